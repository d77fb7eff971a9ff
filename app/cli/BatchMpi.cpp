#include "app/cli/BatchMpi.h"

// The C API only: OpenMPI's and MPICH's mpi.h otherwise pull in the removed
// C++ bindings, which need a library we do not link.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "app/cli/BatchChild.h"
#include "app/cli/BatchLedger.h"
#include "app/cli/BatchPlan.h"
#include "app/cli/ExitCodes.h"

namespace nl::cli {

namespace {

using nlohmann::json;

// worker → rank 0: {"finished": [{index, status, error, wall, peak}…], "want": k, "last": bool}
// rank 0 → worker: {"runs": [index…], "more": bool} — more=false: nothing more will come.
constexpr int kTagRequest = 1;
constexpr int kTagReply = 2;

void send(const json& message, int to, int tag) {
  const std::string text = message.dump();
  MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, to, tag, MPI_COMM_WORLD);
}

json receive(int from, int tag, int* source = nullptr) {
  MPI_Status status;
  MPI_Probe(from, tag, MPI_COMM_WORLD, &status);
  int size = 0;
  MPI_Get_count(&status, MPI_CHAR, &size);
  std::string text(static_cast<std::size_t>(size), '\0');
  MPI_Recv(text.data(), size, MPI_CHAR, status.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (source != nullptr) *source = status.MPI_SOURCE;
  return json::parse(text);
}

json outcomeJson(std::size_t index, const RunOutcome& outcome) {
  return {{"index", index},
          {"status", statusName(outcome.status)},
          {"error", outcome.error},
          {"wall", outcome.wallSeconds},
          {"peak", outcome.peakMemoryMb},
          {"worker", outcome.worker}};
}

std::pair<std::size_t, RunOutcome> outcomeFrom(const json& item) {
  RunOutcome outcome;
  outcome.status = statusFromName(item.at("status").get<std::string>()).value_or(RunStatus::Failed);
  outcome.error = item.at("error").get<std::string>();
  outcome.wallSeconds = item.at("wall").get<double>();
  outcome.peakMemoryMb = item.at("peak").get<double>();
  outcome.worker = item.value("worker", "");
  return {item.at("index").get<std::size_t>(), outcome};
}

// What every rank's plan must agree on: the runs, in order.
std::uint64_t planHash(const BatchPlan& plan) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  auto add = [&](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;
  };
  for (const auto& run : plan.runs) {
    add(run.id);
    add(run.pluginId);
    add(inputsText(run));
    add(run.parametersJson);
  }
  return hash;
}

int coordinate(const plugins::PluginManager& manager, const BatchOptions& options,
               const BatchPlan& plan, ChildPool& pool, int workers, int worldSize) {
  BatchLedger ledger(plan, options.out, manager);
  const auto& todo = ledger.todo();
  std::size_t next = 0;
  int workersLeft = worldSize - 1;
  bool interrupting = false;
  std::fprintf(stderr, "[batch] MPI: %d ranks, %d run(s) at once per rank\n", worldSize, workers);
  for (;;) {
    const bool stop = stopRequested();
    if (stop && !interrupting) {
      pool.interrupt();
      interrupting = true;
    }
    // The other ranks first: they wait for the answer.
    for (int flag = 1; workersLeft > 0;) {
      MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
      if (!flag) break;
      int source = 0;
      const json request = receive(MPI_ANY_SOURCE, kTagRequest, &source);
      for (const auto& item : request.at("finished")) {
        auto [index, outcome] = outcomeFrom(item);
        if (index < plan.runs.size()) ledger.finished(index, std::move(outcome));
      }
      json runs = json::array();
      for (int want = request.at("want").get<int>(); want > 0 && !stop && next < todo.size();
           --want) {
        ledger.started(todo[next]);
        runs.push_back(todo[next++]);
      }
      send({{"runs", runs}, {"more", !stop && next < todo.size()}}, source, kTagReply);
      if (request.at("last").get<bool>()) --workersLeft;
    }
    while (!stop && next < todo.size() && pool.running() < static_cast<std::size_t>(workers)) {
      ledger.started(todo[next]);
      pool.start(todo[next], plan.runs[todo[next]]);
      ++next;
    }
    for (auto& [index, outcome] : pool.poll(stop)) ledger.finished(index, std::move(outcome));
    ledger.tick();
    if (workersLeft == 0 && pool.running() == 0 && (stop || next == todo.size())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return ledger.finish();
}

void work(const BatchPlan& plan, ChildPool& pool, int workers) {
  bool more = true, interrupting = false;
  json finished = json::array();
  for (;;) {
    const bool stop = stopRequested();
    if (stop && !interrupting) {
      pool.interrupt();
      interrupting = true;
    }
    for (auto& [index, outcome] : pool.poll(stop)) finished.push_back(outcomeJson(index, outcome));
    const int want = more && !stop ? workers - static_cast<int>(pool.running()) : 0;
    const bool last = (!more || stop) && pool.running() == 0;
    if (want > 0 || !finished.empty() || last) {
      send({{"finished", finished}, {"want", want}, {"last", last}}, 0, kTagRequest);
      finished = json::array();
      const json reply = receive(0, kTagReply);
      for (const auto& index : reply.at("runs")) {
        const auto i = index.get<std::size_t>();
        if (i < plan.runs.size()) pool.start(i, plan.runs[i]);
      }
      more = more && reply.at("more").get<bool>();
      if (last) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

int runBatchMpi(const plugins::PluginManager& manager, const BatchOptions& options) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm node;  // the ranks on this machine share its cores
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  int ranksHere = 1;
  MPI_Comm_size(node, &ranksHere);
  MPI_Comm_free(&node);

  // Every rank reads the plan (the same files); all must agree before anything runs.
  std::optional<BatchPlan> plan;
  std::string problem;
  try {
    plan = loadPlan(options.plan, manager);
  } catch (const PlanError& error) {
    problem = error.what();
  }
  int ok = plan ? 1 : 0, allOk = 0, rootOk = ok;
  MPI_Allreduce(&ok, &allOk, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Bcast(&rootOk, 1, MPI_INT, 0, MPI_COMM_WORLD);
  unsigned long long hash = plan ? planHash(*plan) : 0, rootHash = hash;
  MPI_Bcast(&rootHash, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  int same = allOk && hash == rootHash ? 1 : 0, allSame = 0;
  MPI_Allreduce(&same, &allSame, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!allOk || !allSame) {
    // One message: rank 0's, or that of a rank that read the plan otherwise.
    if (rank == 0 && !ok)
      std::cerr << "error: " << problem << "\n";
    else if (rank != 0 && !ok && rootOk)
      std::cerr << "error: rank " << rank << ": " << problem << "\n";
    else if (rank == 0 && allOk)
      std::cerr << "error: " << options.plan
                << ": the ranks read different plans (files differ between machines?)\n";
    MPI_Finalize();
    return kBadInput;
  }
  int outOk = rank == 0 ? (openOutDir(options.out) >= 0 ? 1 : 0) : 1;
  MPI_Bcast(&outOk, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (!outOk) {
    MPI_Finalize();
    return kBadInput;
  }

  const int workers = options.workers > 0 ? options.workers : 1;
  ChildLimits limits;
  limits.timeoutSeconds = options.timeoutSeconds;
  limits.memoryCapMb = options.memoryCapMb;
  limits.graceSeconds = options.graceSeconds;
  // The cores this rank may use (a launcher may have bound it to its share)
  // and its share of the machine's, whichever is fewer.
  const int machineCores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  limits.threads =
      std::max(1, std::min(coreCount() / workers, machineCores / (workers * ranksHere)));
  limits.workerName = hostName() + ":rank " + std::to_string(rank);
  installStopHandlers();
  int code = kOk;
  {
    ChildPool pool(options.out, limits);
    if (rank == 0) {
      try {
        code = coordinate(manager, options, *plan, pool, workers, size);
      } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        MPI_Abort(MPI_COMM_WORLD, kBadInput);
      }
    } else {
      work(*plan, pool, workers);
    }
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return code;
}

}  // namespace nl::cli
