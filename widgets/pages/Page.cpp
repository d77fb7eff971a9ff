#include "widgets/pages/Page.h"

#include <QPointer>
#include <QSplitter>
#include <nlohmann/json.hpp>

#include "io/ViewState.h"
#include "plugins/Job.h"
#include "widgets/scene/Scene.h"

namespace nl::widgets {

Page::Page(QWidget* parent) : QWidget(parent) {}

Page::~Page() = default;

void Page::addShownDataset(io::DatasetId id) {
  if (std::find(shown_.begin(), shown_.end(), id) == shown_.end()) shown_.push_back(id);
}

std::string Page::saveState() const {
  nlohmann::json splitters = nlohmann::json::array();
  for (const auto* splitter : findChildren<QSplitter*>())
    splitters.push_back(splitter->saveState().toBase64().toStdString());
  // Layer looks and cameras of every 3D view (io::ViewState).
  return nlohmann::json{{"splitters", splitters}, {"scenes", io::toJson(captureScenes(*this))}}
      .dump();
}

void Page::restoreState(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return;
  if (json.contains("splitters") && json["splitters"].is_array()) {
    const auto splitters = findChildren<QSplitter*>();
    const auto& saved = json["splitters"];
    for (std::size_t i = 0; i < saved.size() && i < static_cast<std::size_t>(splitters.size()); ++i)
      if (saved[i].is_string())
        splitters[static_cast<qsizetype>(i)]->restoreState(
            QByteArray::fromBase64(QByteArray::fromStdString(saved[i].get<std::string>())));
  }
  if (json.contains("scenes")) {
    std::vector<std::string> notices;
    try {
      applyScenes(*this, io::sceneStatesFromJsonValue(json["scenes"], &notices));
      restoredScenes_ = true;
    } catch (const std::invalid_argument& error) {
      notices.push_back(error.what());
    }
    for (const auto& notice : notices)
      note(tr("view state: %1").arg(QString::fromStdString(notice)));
  }
}

plugins::Job* Page::runTask(const QString& title,
                            std::function<void(plugins::ProgressReporter&)> work,
                            std::function<void(const QString& error)> done) {
  auto* job = new plugins::Job(title, std::move(work), this);
  const QPointer<Page> self(this);
  connect(job, &plugins::Job::finished, this,
          [self, job, done = std::move(done)](plugins::Job::State state) {
            job->deleteLater();
            if (!self || state == plugins::Job::State::Cancelled) return;
            if (done)
              done(state == plugins::Job::State::Succeeded ? QString() : job->errorMessage());
          });
  if (host_) host_->trackJob(job, title);
  job->start();
  return job;
}

void Page::say(const QString& text, int timeoutMs) const {
  if (host_) host_->showMessage(text, timeoutMs);
}

void Page::complain(const QString& title, const QString& message) const {
  if (host_) host_->report(title, message);
}

void Page::note(const QString& line) const {
  if (host_) host_->log(line);
}

}  // namespace nl::widgets
