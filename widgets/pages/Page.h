#pragma once
// A page is one tab of the main window: the view of one or a few datasets
// (a recording, a surface, a run's result). Pages are made by view providers
// (ViewRegistry.h); the main window only hosts them through PageHost and
// never names a page type.
#include <QString>
#include <QWidget>
#include <functional>
#include <string>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"

namespace nl::io {
class Session;
}
namespace nl::plugins {
class Job;
class PluginManager;
class ProgressReporter;
}  // namespace nl::plugins

namespace nl::widgets {

class Page;
class Scene;

// What the window offers its pages: messages, the log, the jobs dock, the
// other pages, a way to open more datasets.
class PageHost {
 public:
  virtual ~PageHost() = default;
  virtual io::Session& session() = 0;
  virtual const plugins::PluginManager& plugins() const = 0;
  virtual void showMessage(const QString& text, int timeoutMs = 8000) = 0;
  // An error the user must see (a dialog when interactive).
  virtual void report(const QString& title, const QString& message) = 0;
  virtual void log(const QString& line) = 0;
  // Shows a background job in the jobs dock (progress, cancel).
  virtual void trackJob(plugins::Job* job, const QString& title) = 0;
  virtual std::vector<Page*> pages() const = 0;
  virtual Page* currentPage() const = 0;
  // Opens a dataset as the registry decides (another page, or adopted by one).
  virtual void openView(io::DatasetId id) = 0;
};

class Page : public QWidget {
  Q_OBJECT
 public:
  explicit Page(QWidget* parent = nullptr);
  ~Page() override;

  // Set by the provider that made the page; a page made in a test may have none.
  void setHost(PageHost* host) { host_ = host; }
  PageHost* host() const { return host_; }
  // The provider id that makes this page again from shownDatasets() (sessions).
  const std::string& viewId() const { return viewId_; }
  void setViewId(std::string id) { viewId_ = std::move(id); }
  // The datasets the page shows, the first being the one it was made for.
  // Removing one of them closes the page; sessions store them.
  const std::vector<io::DatasetId>& shownDatasets() const { return shown_; }
  void setShownDatasets(std::vector<io::DatasetId> ids) { shown_ = std::move(ids); }
  void addShownDataset(io::DatasetId id);

  // The 3D scenes of the page (the Layers dock lists the first one's layers).
  virtual std::vector<Scene*> scenes() const { return {}; }

  // How well the page can take `dataset` into itself (an overlay onto its
  // surface, a statistic map onto its slices); 0: not at all. Scored like a
  // view provider's match; the window prefers an adoption on a tie.
  virtual int adoptionScore(io::DatasetId /*id*/, const io::Dataset& /*dataset*/) const {
    return 0;
  }
  // Takes the dataset; throws std::exception with a message a user can read.
  virtual void adopt(io::DatasetId /*id*/) {}

  // What the user arranged (JSON object text), restored after the page was
  // made again from the same datasets. The default stores splitter sizes.
  virtual std::string saveState() const;
  virtual void restoreState(const std::string& json);

  // Runs `work` off the GUI thread as a job in the jobs dock (progress and
  // cancel); `done` runs on the GUI thread afterwards, only while the page
  // lives, with an empty message on success or the error. The job is the
  // page's child: closing the page cancels it.
  plugins::Job* runTask(const QString& title, std::function<void(plugins::ProgressReporter&)> work,
                        std::function<void(const QString& error)> done);

 protected:
  void say(const QString& text, int timeoutMs = 8000) const;
  void complain(const QString& title, const QString& message) const;
  void note(const QString& line) const;
  // Whether restoreState() gave the scenes their saved cameras (a page that
  // frames its first layer itself must then leave the camera alone).
  bool restoredScenes() const { return restoredScenes_; }

 private:
  PageHost* host_ = nullptr;
  std::string viewId_;
  std::vector<io::DatasetId> shown_;
  bool restoredScenes_ = false;
};

}  // namespace nl::widgets
