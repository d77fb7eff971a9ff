#pragma once
// The one analysis body the core test plugins share: `steps` sleeps of 10 ms,
// each reporting progress, then a Scalars output. A test plugin differs in
// its id, its manifest and what its factory or provenance does wrong.
#include <chrono>
#include <thread>

#include "plugins/api/AnalysisPlugin.h"

namespace nl::test {

class StepPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  StepPlugin(std::string id, bool stampProvenance)
      : id_(std::move(id)), stampProvenance_(stampProvenance) {}
  std::string id() const override { return id_; }
  nl::plugins::Outputs run(const nl::plugins::Inputs&, const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto steps = parameters.integer("steps");
    for (std::int64_t i = 0; i < steps; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      context.update(static_cast<double>(i + 1) / static_cast<double>(steps),
                     "step " + std::to_string(i + 1));
    }
    return {{"steps_done", std::make_shared<nl::io::ArrayDataset>(
                               nl::io::DatasetKind::Scalars, "steps", std::vector<std::size_t>{1},
                               std::vector<double>{static_cast<double>(steps)},
                               stampProvenance_ ? context.provenance() : nl::io::Provenance{})}};
  }

 private:
  std::string id_;
  bool stampProvenance_;
};

}  // namespace nl::test
