#pragma once
// Comparing two RDMs (or any two vectors): the rank and linear correlations
// rsatoolbox and Brain-Score use, on the strict upper triangle or the whole
// flattened matrix.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "analysis/rsa/Rdm.h"

namespace nl::analysis::rsa {

enum class CompareMethod {
  Pearson,      // rsatoolbox "corr"
  Spearman,     // Pearson of average ranks (ties get their mean rank), rsatoolbox "spearman"
  KendallTauA,  // (concordant − discordant) / (n(n−1)/2), rsatoolbox "tau-a"
  KendallTauB,  // tie-corrected, as scipy.stats.kendalltau
  Cosine,       // rsatoolbox "cosine"
};
// "pearson", "spearman", "tau_a", "tau_b", "cosine".
std::string_view compareMethodName(CompareMethod method);
CompareMethod parseCompareMethod(std::string_view name);

enum class EntrySelection {
  UpperTriangle,  // the n(n−1)/2 entries above the diagonal (rsatoolbox, Brain-Score)
  FullMatrix,     // all n² entries including the diagonal (Shi et al. 2019)
};
std::string_view entrySelectionName(EntrySelection selection);  // "upper", "full"
EntrySelection parseEntrySelection(std::string_view name);

struct CompareOptions {
  CompareMethod method = CompareMethod::Spearman;
  EntrySelection entries = EntrySelection::UpperTriangle;
};

// The entries an EntrySelection compares, in a fixed order (upper triangle
// row by row; full matrix row-major), with their (row, column) indices.
struct EntryIndex {
  std::uint32_t row, column;
};
std::vector<EntryIndex> selectedEntries(std::size_t stimuli, EntrySelection selection);
std::vector<double> rdmEntries(const Matrix& rdm, EntrySelection selection);

// Ranks 1…n with ties given their average rank (scipy.stats.rankdata
// "average"). NaN values keep NaN and do not take a rank.
std::vector<double> averageRanks(std::span<const double> values);

// Each statistic uses only the positions where neither input is NaN
// (pairwise deletion). Different lengths are std::invalid_argument. When the
// statistic is undefined (fewer than 2 usable pairs, or a constant input)
// the result is NaN — callers can tell "no evidence" from "no similarity".
double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);
double cosineSimilarity(std::span<const double> x, std::span<const double> y);
// O(n log n): sort by (x, y), count ties, then count discordant pairs with a
// merge sort on y (Knight 1966, as scipy.stats.kendalltau).
double kendallTauA(std::span<const double> x, std::span<const double> y);
double kendallTauB(std::span<const double> x, std::span<const double> y);
double compareVectors(std::span<const double> x, std::span<const double> y, CompareMethod method);

// Both RDMs must be square with the same number of stimuli (else
// std::invalid_argument saying which sizes differ).
double compareRdms(const Matrix& a, const Matrix& b, const CompareOptions& options = {});

}  // namespace nl::analysis::rsa
