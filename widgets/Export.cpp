#include "widgets/Export.h"

#include <QFile>
#include <QFileDialog>
#include <QSettings>
#include <QTabWidget>
#include <QTextStream>
#include <stdexcept>

#include "widgets/Screenshot.h"
#include "widgets/TableView.h"
#include "widgets/charts/Chart.h"
#include "widgets/charts/HeatMap.h"

namespace nl::widgets {

namespace {

struct InFront {
  Chart* chart = nullptr;
  HeatMap* heat = nullptr;
  TableView* table = nullptr;
};

// The chart in front: the current tab of a lower tab widget, else the first.
InFront inFront(QWidget* page) {
  InFront front;
  if (auto* lower = page->findChild<QTabWidget*>())
    if (QWidget* current = lower->currentWidget()) {
      front.chart = qobject_cast<Chart*>(current);
      if (!front.chart) front.chart = current->findChild<Chart*>();
      front.heat = qobject_cast<HeatMap*>(current);
    }
  if (!front.chart && !front.heat) {
    front.chart = page->findChild<Chart*>();
    if (!front.chart) front.heat = page->findChild<HeatMap*>();
  }
  front.table = page->findChild<TableView*>();
  return front;
}

}  // namespace

QString exportFilters(QWidget* page) {
  const auto front = inFront(page);
  QString filters = QObject::tr("PNG image (*.png)");
  if (front.chart || front.heat)
    filters += QObject::tr(";;SVG of the chart (*.svg);;CSV of the chart data (*.csv)");
  else if (front.table)
    filters += QObject::tr(";;CSV table (*.csv)");
  return filters;
}

bool exportPage(QWidget* page, const QString& path, int scale) {
  const auto front = inFront(page);
  if (path.endsWith(".svg", Qt::CaseInsensitive) && (front.chart || front.heat))
    return front.heat ? front.heat->exportSvg(path) : front.chart->exportSvg(path);
  if (path.endsWith(".csv", Qt::CaseInsensitive) && (front.chart || front.heat || front.table)) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    QTextStream(&file) << (front.heat    ? front.heat->toCsv()
                           : front.chart ? front.chart->toCsv()
                                         : front.table->toCsv());
    return file.error() == QFile::NoError;
  }
  return composeWindowImage(page, scale).save(path);
}

QString exportPageAs(QWidget* dialogParent, QWidget* page, const QString& name) {
  const QString path = QFileDialog::getSaveFileName(dialogParent, QObject::tr("Export view"),
                                                    name + ".png", exportFilters(page));
  if (path.isEmpty()) return {};
  if (!exportPage(page, path, QSettings().value("export/scale", 2).toInt()))
    throw std::runtime_error(QObject::tr("could not write %1").arg(path).toStdString());
  return path;
}

}  // namespace nl::widgets
