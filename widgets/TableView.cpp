#include "widgets/TableView.h"

#include <QAbstractTableModel>
#include <QFontMetrics>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "analysis/ephys/UnitFilter.h"
#include "widgets/AreaColors.h"

namespace nl::widgets {

namespace {

// Columns of numbers or text, from whichever dataset kind.
class DatasetModel : public QAbstractTableModel {
 public:
  explicit DatasetModel(const io::DatasetPtr& dataset) {
    if (auto recording = std::dynamic_pointer_cast<const io::SpikeRecording>(dataset))
      table_ = recording->units();
    else
      table_ = std::dynamic_pointer_cast<const io::TableDataset>(dataset);
    array_ = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset);
  }
  int rowCount(const QModelIndex& = {}) const override {
    if (table_) return static_cast<int>(table_->rowCount());
    if (array_) return static_cast<int>(array_->rows());
    return 0;
  }
  // Columns measured after opening (waveform metrics of units), shown after
  // the table's own.
  void appendColumns(std::vector<io::Column> columns) {
    if (!table_ || columns.empty()) return;
    const int first = columnCount();
    beginInsertColumns({}, first, first + static_cast<int>(columns.size()) - 1);
    for (auto& column : columns) extra_.push_back(std::move(column));
    endInsertColumns();
  }
  int columnCount(const QModelIndex& = {}) const override {
    if (table_) return static_cast<int>(table_->columns().size() + extra_.size());
    if (array_) return static_cast<int>(std::min<std::size_t>(array_->columnsPerRow(), 10000));
    return 0;
  }
  QVariant data(const QModelIndex& index, int role) const override {
    if (!index.isValid()) return {};
    const auto r = static_cast<std::size_t>(index.row()),
               c = static_cast<std::size_t>(index.column());
    if (role == Qt::DisplayRole || role == Qt::UserRole) {
      if (table_) {
        const auto& column = columnAt(c);
        if (r >= column.size()) return {};
        if (column.isNumeric()) return column.numbers()[r];
        return QString::fromStdString(column.strings()[r]);
      }
      if (array_) return array_->values()[r * array_->columnsPerRow() + c];
    }
    if (role == Qt::DecorationRole && table_ && columnAt(c).name == "location")
      return areaColor(QString::fromStdString(columnAt(c).cellText(r)));
    return {};
  }
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override {
    if (role != Qt::DisplayRole) return {};
    if (orientation == Qt::Vertical) return section;
    if (table_) return QString::fromStdString(columnAt(static_cast<std::size_t>(section)).name);
    return section;
  }

 private:
  const io::Column& columnAt(std::size_t c) const {
    const auto own = table_->columns().size();
    return c < own ? table_->columns()[c] : extra_[c - own];
  }
  std::vector<io::Column> extra_;
  std::shared_ptr<const io::TableDataset> table_;
  std::shared_ptr<const io::ArrayDataset> array_;
};

constexpr const char* kOrigin = "table";

// Text search, or — when the text holds a comparison — a column expression
// in the unit-filter syntax ("location == VISp; snr > 1"), evaluated once by
// analysis::ephys::selectRows over the (immutable) table.
class RowFilter : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  // Returns an error message, empty when the text is usable.
  QString setExpression(const QString& text) {
    accepted_.reset();
    text_.clear();
    QString error;
    static const QRegularExpression comparison(R"((==|!=|>=|<=|>|<|=))");
    if (comparison.match(text).hasMatch()) {
      try {
        const auto* model = sourceModel();
        analysis::ephys::ColumnAccess access;
        access.hasColumn = [this](const std::string& c) { return columnIndex(c) >= 0; };
        access.isNumeric = [this, model](const std::string& c) {
          return model->rowCount() == 0 ||
                 model->data(model->index(0, columnIndex(c)), Qt::UserRole).typeId() ==
                     QMetaType::Double;
        };
        access.numberAt = [this, model](const std::string& c, std::size_t row) {
          return model->data(model->index(static_cast<int>(row), columnIndex(c)), Qt::UserRole)
              .toDouble();
        };
        access.textAt = [this, model](const std::string& c, std::size_t row) {
          return model->data(model->index(static_cast<int>(row), columnIndex(c)), Qt::UserRole)
              .toString()
              .toStdString();
        };
        const auto rows =
            analysis::ephys::selectRows(analysis::ephys::parseUnitFilter(text.toStdString()),
                                        static_cast<std::size_t>(model->rowCount()), access);
        accepted_ = std::set<int>();
        for (auto r : rows) accepted_->insert(static_cast<int>(r));
      } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
      }
    } else {
      text_ = text;
    }
    invalidateFilter();
    return error;
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    if (accepted_ && !accepted_->contains(row)) return false;
    if (text_.isEmpty()) return true;
    const auto* model = sourceModel();
    for (int column = 0; column < model->columnCount(parent); ++column)
      if (model->data(model->index(row, column, parent), Qt::DisplayRole)
              .toString()
              .contains(text_, Qt::CaseInsensitive))
        return true;
    return false;
  }

 private:
  int columnIndex(const std::string& name) const {
    const auto* model = sourceModel();
    for (int c = 0; c < model->columnCount(); ++c)
      if (model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString().toStdString() == name)
        return c;
    return -1;
  }
  std::optional<std::set<int>> accepted_;  // rows passing the expression; none: no expression
  QString text_;
};

}  // namespace

TableView::TableView(io::Session& session, io::DatasetId dataset, QWidget* parent)
    : QWidget(parent), session_(session), dataset_(dataset) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* filter = new QLineEdit();
  filter->setPlaceholderText(tr("Filter: text in any column, or e.g.  location == VISp; snr > 1"));
  filter->setClearButtonEnabled(true);
  layout->addWidget(filter);
  auto* model = new DatasetModel(session.find(dataset));
  model_ = model;
  model->setParent(this);
  auto* proxy = new RowFilter(this);
  proxy->setSourceModel(model);
  proxy->setSortRole(Qt::UserRole);
  connect(filter, &QLineEdit::textChanged, this, [proxy, filter](const QString& text) {
    const QString error = proxy->setExpression(text);
    filter->setStyleSheet(error.isEmpty() ? QString() : "background: #fbe3e3;");
    filter->setToolTip(error);
  });
  view_ = new QTableView();
  view_->setModel(proxy);
  view_->setSortingEnabled(true);
  view_->sortByColumn(-1, Qt::AscendingOrder);
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setAlternatingRowColors(true);
  view_->verticalHeader()->setDefaultSectionSize(20);
  layout->addWidget(view_);
  fitHeaders();

  connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this, proxy] {
    if (updating_) return;
    std::vector<std::int64_t> rows;
    for (const auto& index : view_->selectionModel()->selectedRows())
      rows.push_back(proxy->mapToSource(index).row());
    session_.selection().select(dataset_, rows, kOrigin);
  });
  connection_ = session_.selection().changed.connect([this, proxy](const std::string& origin) {
    if (session_.selection().dataset() != dataset_) {
      // Another dataset's items are the selection now: nothing here is selected.
      if (!view_->selectionModel()->hasSelection()) return;
      updating_ = true;
      view_->clearSelection();
      updating_ = false;
      return;
    }
    if (origin == kOrigin) return;
    updating_ = true;
    view_->clearSelection();
    QItemSelection selection;
    for (auto row : session_.selection().indices()) {
      const QModelIndex index =
          proxy->mapFromSource(proxy->sourceModel()->index(static_cast<int>(row), 0));
      if (index.isValid()) selection.select(index, index.siblingAtColumn(proxy->columnCount() - 1));
    }
    view_->selectionModel()->select(selection, QItemSelectionModel::Select);
    if (!selection.isEmpty()) view_->scrollTo(selection.indexes().front());
    updating_ = false;
  });
}

TableView::~TableView() {
  session_.selection().changed.disconnect(connection_);
}

void TableView::appendColumns(std::vector<io::Column> columns) {
  static_cast<DatasetModel*>(model_)->appendColumns(std::move(columns));
  fitHeaders();
}

void TableView::fitHeaders() {
  // Wide enough for each column's name (and the sort arrow), without
  // measuring cells: a table of millions of rows opens as fast as before.
  auto* header = view_->horizontalHeader();
  const QFontMetrics metrics(header->font());
  const int arrow = header->style()->pixelMetric(QStyle::PM_HeaderMarkSize, nullptr, header);
  for (int c = 0; c < view_->model()->columnCount(); ++c) {
    const QString name = view_->model()->headerData(c, Qt::Horizontal).toString();
    const int wanted = std::min(metrics.horizontalAdvance(name) + arrow + 16, 320);
    if (header->sectionSize(c) < wanted) header->resizeSection(c, wanted);
  }
}

QString TableView::toCsv() const {
  const auto* model = view_->model();
  QString csv;
  for (int c = 0; c < model->columnCount(); ++c)
    csv += (c ? "," : "") + model->headerData(c, Qt::Horizontal).toString();
  csv += "\n";
  for (int r = 0; r < model->rowCount(); ++r) {
    for (int c = 0; c < model->columnCount(); ++c) {
      QString cell = model->data(model->index(r, c)).toString();
      if (cell.contains(',') || cell.contains('"')) cell = "\"" + cell.replace("\"", "\"\"") + "\"";
      csv += (c ? "," : "") + cell;
    }
    csv += "\n";
  }
  return csv;
}

}  // namespace nl::widgets
