// A chain as a flat array of doubles (so the session can keep it as an
// ArrayDataset): a header, then the state, then the trace. Integers and RNG
// words are stored exactly (64-bit words as two 32-bit halves).
#include <stdexcept>
#include <string>

#include "analysis/biclustering/Sampler.h"

namespace nl::analysis::biclustering {
namespace {

constexpr double kMagic = 20231205.0;  // "bicluster chain", format 1
constexpr double kFormat = 2.0;        // 2: split–merge counters

class Writer {
 public:
  void scalar(double v) { words.push_back(v); }
  void integers(const std::vector<int>& v) {
    scalar(static_cast<double>(v.size()));
    for (const int x : v) scalar(x);
  }
  void longs(const std::vector<long>& v) {
    scalar(static_cast<double>(v.size()));
    for (const long x : v) scalar(static_cast<double>(x));
  }
  void reals(const std::vector<double>& v) {
    scalar(static_cast<double>(v.size()));
    words.insert(words.end(), v.begin(), v.end());
  }
  template <typename Matrix>
  void matrix(const Matrix& m) {
    scalar(static_cast<double>(m.rows()));
    scalar(static_cast<double>(m.cols()));
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      for (Eigen::Index i = 0; i < m.rows(); ++i) scalar(static_cast<double>(m(i, j)));
  }
  std::vector<double> words;
};

class Reader {
 public:
  explicit Reader(const std::vector<double>& w) : words(w) {}
  double scalar() {
    if (at >= words.size()) throw std::invalid_argument("saved chain is truncated");
    return words[at++];
  }
  std::size_t count() {
    const double v = scalar();
    if (v < 0 || v > 1e9 || v != static_cast<double>(static_cast<std::size_t>(v)))
      throw std::invalid_argument("saved chain is corrupt (bad length)");
    return static_cast<std::size_t>(v);
  }
  std::vector<int> integers() {
    std::vector<int> v(count());
    for (auto& x : v) x = static_cast<int>(scalar());
    return v;
  }
  std::vector<long> longs() {
    std::vector<long> v(count());
    for (auto& x : v) x = static_cast<long>(scalar());
    return v;
  }
  std::vector<double> reals() {
    std::vector<double> v(count());
    for (auto& x : v) x = scalar();
    return v;
  }
  Eigen::MatrixXd matrix() {
    const auto rows = count();
    const auto cols = count();
    Eigen::MatrixXd m(rows, cols);
    for (std::size_t j = 0; j < cols; ++j)
      for (std::size_t i = 0; i < rows; ++i) m(i, j) = scalar();
    return m;
  }
  const std::vector<double>& words;
  std::size_t at = 0;
};

}  // namespace

std::vector<double> serialiseChain(const Chain& chain, const SamplerSettings& settings, int N,
                                   int T) {
  Writer w;
  const auto& s = chain.state;
  w.scalar(kMagic);
  w.scalar(kFormat);
  w.scalar(N);
  w.scalar(T);
  w.scalar(settings.latentDim);
  w.scalar(settings.maxStates);
  w.scalar(static_cast<double>(s.latents.size()));
  w.scalar(chain.index);
  w.scalar(static_cast<double>(s.iteration));
  for (const auto word : s.rng) {
    w.scalar(static_cast<double>(word >> 32));
    w.scalar(static_cast<double>(word & 0xffffffffULL));
  }
  w.integers(s.labels);
  for (const auto& latent : s.latents) w.matrix(latent);
  w.matrix(s.delta);
  w.matrix(s.loadings);
  w.matrix(s.dispersion);
  w.integers(s.states);
  for (std::size_t l = 0; l < s.A.size(); ++l) {
    w.matrix(s.A[l]);
    w.matrix(s.Q[l]);
    w.matrix(s.b[l]);
  }
  w.matrix(s.hmm.beta);
  w.matrix(s.hmm.transition);
  w.integers(s.referenceLabels);
  for (const auto& latent : s.referenceLatents) w.matrix(latent);
  w.scalar(s.logLikelihood);
  w.scalar(s.logPosterior);
  for (const long count : {s.splitsProposed, s.splitsAccepted, s.mergesProposed, s.mergesAccepted})
    w.scalar(static_cast<double>(count));
  const auto& t = chain.trace;
  w.reals(t.logLikelihood);
  w.reals(t.logPosterior);
  w.integers(t.clusterCount);
  w.integers(t.stateCount);
  w.longs(t.keptIterations);
  for (std::size_t k = 0; k < t.keptIterations.size(); ++k) {
    w.integers(t.labels[k]);
    w.integers(t.states[k]);
    w.matrix(t.delta[k]);
    w.matrix(t.dispersion[k]);
  }
  w.longs(t.latentIterations);
  for (const auto& kept : t.latents) {
    w.scalar(static_cast<double>(kept.size()));
    for (const auto& latent : kept) {
      w.scalar(latent.slot);
      w.matrix(latent.path);
    }
  }
  return std::move(w.words);
}

Chain deserialiseChain(const std::vector<double>& words, const SamplerSettings& settings, int N,
                       int T) {
  Reader r(words);
  if (r.scalar() != kMagic) throw std::invalid_argument("not a saved bi-clustering chain");
  const double format = r.scalar();
  if (format != 1.0 && format != kFormat)
    throw std::invalid_argument("saved chain has an unknown format version");
  const int savedN = static_cast<int>(r.scalar());
  const int savedT = static_cast<int>(r.scalar());
  if (savedN != N || savedT != T)
    throw std::invalid_argument("saved chain is for " + std::to_string(savedN) + " neurons × " +
                                std::to_string(savedT) + " bins, the counts are " +
                                std::to_string(N) + " × " + std::to_string(T));
  if (static_cast<int>(r.scalar()) != settings.latentDim ||
      static_cast<int>(r.scalar()) != settings.maxStates)
    throw std::invalid_argument("saved chain used another latent dimension or number of states");
  const auto slots = r.count();
  Chain chain;
  chain.index = static_cast<int>(r.scalar());
  auto& s = chain.state;
  s.iteration = static_cast<long>(r.scalar());
  for (auto& word : s.rng) {
    const auto high = static_cast<std::uint64_t>(r.scalar());
    const auto low = static_cast<std::uint64_t>(r.scalar());
    word = (high << 32) | low;
  }
  s.labels = r.integers();
  s.latents.resize(slots);
  for (auto& latent : s.latents) latent = r.matrix();
  s.delta = r.matrix();
  s.loadings = r.matrix();
  s.dispersion = r.matrix();
  s.states = r.integers();
  const auto L = static_cast<std::size_t>(settings.maxStates);
  s.A.resize(L);
  s.Q.resize(L);
  s.b.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    s.A[l] = r.matrix();
    s.Q[l] = r.matrix();
    s.b[l] = r.matrix();
  }
  s.hmm.beta = r.matrix();
  s.hmm.transition = r.matrix();
  s.referenceLabels = r.integers();
  s.referenceLatents.resize(slots);
  for (auto& latent : s.referenceLatents) latent = r.matrix();
  s.logLikelihood = r.scalar();
  s.logPosterior = r.scalar();
  if (format >= 2.0)
    for (long* count : {&s.splitsProposed, &s.splitsAccepted, &s.mergesProposed, &s.mergesAccepted})
      *count = static_cast<long>(r.scalar());
  auto& t = chain.trace;
  t.logLikelihood = r.reals();
  t.logPosterior = r.reals();
  t.clusterCount = r.integers();
  t.stateCount = r.integers();
  t.keptIterations = r.longs();
  for (std::size_t k = 0; k < t.keptIterations.size(); ++k) {
    t.labels.push_back(r.integers());
    t.states.push_back(r.integers());
    t.delta.push_back(r.matrix());
    t.dispersion.push_back(r.matrix());
  }
  t.latentIterations = r.longs();
  for (std::size_t k = 0; k < t.latentIterations.size(); ++k) {
    std::vector<KeptLatent> kept(r.count());
    for (auto& latent : kept) {
      latent.slot = static_cast<int>(r.scalar());
      latent.path = r.matrix().cast<float>();
    }
    t.latents.push_back(std::move(kept));
  }
  if (r.at != words.size()) throw std::invalid_argument("saved chain has trailing data");
  for (const int z : s.labels)
    if (z < 0 || static_cast<std::size_t>(z) >= slots)
      throw std::invalid_argument("saved chain is corrupt (label)");
  for (const int st : s.states)
    if (st < 0 || st >= settings.maxStates)
      throw std::invalid_argument("saved chain is corrupt (state)");
  return chain;
}

}  // namespace nl::analysis::biclustering
