// The page of a fisbe.evaluate run: its three outputs, and the two label
// volumes it scored previewed off the GUI thread (reopened from their files
// when the result was opened alone).
#include "widgets/pages/ViewRegistry.h"
#include "widgets/pages/fisbe/FisbePage.h"
#include "widgets/pages/shared/Runs.h"

namespace nl::widgets {

namespace {

class FisbeProvider final : public ViewProvider {
 public:
  std::string id() const override { return "fisbe.evaluation"; }
  ViewMatch match(const io::Session& session,
                  const std::vector<io::DatasetId>& offered) const override {
    for (const auto id : offered)
      if (const auto d = session.find(id); d && FisbePage::isFisbeMetrics(*d)) return {80, {id}};
    return {};
  }
  Page* create(PageHost& host, const std::vector<io::DatasetId>& datasets) const override {
    auto& session = host.session();
    const auto metrics = datasets.at(0);
    const auto gtTable = siblingOutput(session, metrics, "gt_instances");
    const auto predTable = siblingOutput(session, metrics, "pred_instances");
    auto* page = new FisbePage(session, metrics, gtTable, predTable);
    page->setHost(&host);
    page->setWindowTitle(QObject::tr("FISBe evaluation"));
    // The volumes it scored, from the session or again from their files.
    std::vector<FisbePage::MissingInput> missing;
    for (const auto& input : inputsOfRun(session, metrics, true)) {
      const bool groundTruth = input.port == "ground_truth";
      if (!groundTruth && input.port != "prediction") continue;
      if (input.id == io::kNoDataset) {
        missing.push_back(
            {input.port == "ground_truth", input.sourcePath, input.internalPath, input.problem});
        continue;
      }
      page->showScoredVolume(input.id, groundTruth);
    }
    if (!missing.empty()) page->setMissingInputs(missing);
    return page;
  }
};

}  // namespace

NL_REGISTER_VIEW_PROVIDER(FisbeProvider)

}  // namespace nl::widgets
