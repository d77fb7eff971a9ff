#include "widgets/WindowActions.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QTabWidget>

#include <vtkVersion.h>

#include "widgets/VtkView.h"

namespace nl::widgets {

namespace {
constexpr int kMaxRecent = 10;
}

RecentFiles::RecentFiles(QMenu* menu, std::function<void(const QString&)> open, QObject* parent)
    : QObject(parent), menu_(menu), open_(std::move(open)) {
  rebuild();
}

void RecentFiles::add(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recentFiles").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue("recentFiles", recent);
  rebuild();
}

void RecentFiles::rebuild() {
  menu_->clear();
  const QStringList recent = QSettings().value("recentFiles").toStringList();
  for (const QString& path : recent)
    menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { open_(path); })
        ->setToolTip(path);
  menu_->setEnabled(!recent.isEmpty());
}

QStringList chooseDataFiles(QWidget* parent) {
  const QStringList paths = QFileDialog::getOpenFileNames(
      parent, QObject::tr("Open data"), QSettings().value("paths/lastOpenDir").toString(),
      QObject::tr("Neuroscience data (*.nwb *.h5 *.hdf5 *.hdf *.npy *.npz *.mat *.csv *.tsv *.txt "
                  "*.nii *.nii.gz *.hdr *.mgh *.mgz *.gii *.gii.gz *.swc *.tif *.tiff);;All files "
                  "(*)"));
  if (!paths.isEmpty())
    QSettings().setValue("paths/lastOpenDir", QFileInfo(paths.front()).absolutePath());
  return paths;
}

QString chooseDataFolder(QWidget* parent) {
  const QString folder =
      QFileDialog::getExistingDirectory(parent, QObject::tr("Open a zarr or phy/Kilosort folder"),
                                        QSettings().value("paths/lastOpenDir").toString());
  if (!folder.isEmpty()) QSettings().setValue("paths/lastOpenDir", folder);
  return folder;
}

void showAbout(QWidget* parent, const QString& version, const QString& libraries) {
  QMessageBox::about(
      parent, QObject::tr("About NeuroLoupe"),
      QObject::tr("<h3>NeuroLoupe %1</h3><p>A workbench for neuroscience data: recordings, "
                  "volumes, surfaces and the analyses that connect them.</p><p>%2, VTK %3</p>")
          .arg(version, libraries, vtkVersion::GetVTKVersion()));
}

void addCameraActions(QMenu* menu, QTabWidget* tabs) {
  using Standard = VtkView::StandardView;
  const std::pair<const char*, Standard> standard[] = {
      {"Lateral", Standard::Lateral},   {"Medial", Standard::Medial},
      {"Dorsal", Standard::Dorsal},     {"Ventral", Standard::Ventral},
      {"Anterior", Standard::Anterior}, {"Posterior", Standard::Posterior}};
  int key = Qt::Key_1;
  for (const auto& [name, which] : standard)
    menu->addAction(QObject::tr("3D: %1").arg(QObject::tr(name)), QKeySequence(Qt::CTRL | key++),
                    tabs, [tabs, which = which] {
                      if (QWidget* page = tabs->currentWidget())
                        for (auto* view : page->findChildren<VtkView*>())
                          view->setStandardView(which);
                    });
  menu->addAction(QObject::tr("3D: Reset Camera"), QKeySequence(Qt::CTRL | Qt::Key_0), tabs,
                  [tabs] {
                    if (QWidget* page = tabs->currentWidget())
                      for (auto* view : page->findChildren<VtkView*>()) view->resetCamera();
                  });
}

}  // namespace nl::widgets
