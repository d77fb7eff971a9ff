#include "app/gui/UnsavedSession.h"

#include <QCoreApplication>
#include <QFileDialog>
#include <QMessageBox>

#include "io/Session.h"

namespace nl::app {

namespace {
QString tr(const char* text) {
  return QCoreApplication::translate("UnsavedSession", text);
}
}  // namespace

QString sessionContents(const io::Session& session) {
  QString contents;
  for (const auto& entry : session.entries())
    contents += QString::fromStdString(entry.dataset->datasetId()) + '\n';
  return contents;
}

QString chooseSessionFile(QWidget* parent) {
  return QFileDialog::getSaveFileName(parent, tr("Save session"), "session.nlsession",
                                      tr("NeuroLoupe session (*.nlsession)"));
}

bool askToSaveBeforeQuitting(QWidget* parent, const QString& sessionPath,
                             const std::function<bool(const QString&)>& save) {
  QMessageBox box(QMessageBox::Question, tr("Unsaved session"),
                  tr("The session has datasets or analysis results that are not saved."),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
  box.setInformativeText(tr("Save the session before quitting?"));
  box.setDefaultButton(QMessageBox::Save);
  switch (box.exec()) {
    case QMessageBox::Save: {
      const QString path = sessionPath.isEmpty() ? chooseSessionFile(parent) : sessionPath;
      return !path.isEmpty() && save(path);
    }
    case QMessageBox::Discard:
      return true;
    default:
      return false;
  }
}

}  // namespace nl::app
