#include "widgets/ParameterForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <cmath>
#include <limits>

namespace nl::widgets {

using plugins::ParamType;

ParameterForm::ParameterForm(QWidget* parent) : QWidget(parent) {
  // Long parameter names put their editor on the next line rather than
  // widening the Analysis dock.
  (new QFormLayout(this))->setRowWrapPolicy(QFormLayout::WrapLongRows);
}

void ParameterForm::setSchema(const plugins::ParameterSchema& schema) {
  schema_ = schema;
  editors_.clear();
  auto* form = static_cast<QFormLayout*>(layout());
  while (form->rowCount() > 0) form->removeRow(0);
  for (const auto& spec : schema_.specs()) {
    QWidget* editor = nullptr;
    const QString unit = spec.unit.empty() ? QString() : " " + QString::fromStdString(spec.unit);
    switch (spec.type) {
      case ParamType::Integer: {
        auto* box = new QSpinBox();
        box->setRange(
            spec.minimum
                ? static_cast<int>(std::max(*spec.minimum, double(std::numeric_limits<int>::min())))
                : std::numeric_limits<int>::min(),
            spec.maximum
                ? static_cast<int>(std::min(*spec.maximum, double(std::numeric_limits<int>::max())))
                : std::numeric_limits<int>::max());
        box->setSuffix(unit);
        connect(box, &QSpinBox::valueChanged, this, &ParameterForm::changed);
        editor = box;
        break;
      }
      case ParamType::Real: {
        auto* box = new QDoubleSpinBox();
        box->setDecimals(4);
        box->setRange(spec.minimum.value_or(-1e12), spec.maximum.value_or(1e12));
        const double span = spec.maximum && spec.minimum ? *spec.maximum - *spec.minimum : 10.0;
        box->setSingleStep(std::pow(10.0, std::floor(std::log10(std::max(span, 1e-9))) - 1));
        box->setSuffix(unit);
        connect(box, &QDoubleSpinBox::valueChanged, this, &ParameterForm::changed);
        editor = box;
        break;
      }
      case ParamType::Boolean: {
        auto* box = new QCheckBox();
        connect(box, &QCheckBox::toggled, this, &ParameterForm::changed);
        editor = box;
        break;
      }
      case ParamType::Text: {
        auto* line = new QLineEdit();
        connect(line, &QLineEdit::textChanged, this, &ParameterForm::changed);
        editor = line;
        break;
      }
      case ParamType::Choice: {
        auto* combo = new QComboBox();
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
        for (const auto& choice : spec.choices) combo->addItem(QString::fromStdString(choice));
        connect(combo, &QComboBox::currentIndexChanged, this, &ParameterForm::changed);
        editor = combo;
        break;
      }
    }
    editor->setObjectName(QString::fromStdString(spec.name));
    const QString help =
        QString::fromStdString(spec.help + "\n(" + spec.describeConstraint() + ")");
    editor->setToolTip(help);
    auto* label = new QLabel(QString::fromStdString(spec.label));
    label->setToolTip(help);
    form->addRow(label, editor);
    editors_[spec.name] = editor;
  }
  resetToDefaults();
}

void ParameterForm::resetToDefaults() {
  setValues(schema_.defaults());
}

void ParameterForm::setValues(const plugins::ParameterSet& values) {
  for (const auto& spec : schema_.specs()) {
    if (!values.has(spec.name)) continue;
    QWidget* editor = editors_.at(spec.name);
    const auto& value = values.get(spec.name);
    switch (spec.type) {
      case ParamType::Integer:
        static_cast<QSpinBox*>(editor)->setValue(static_cast<int>(values.integer(spec.name)));
        break;
      case ParamType::Real:
        static_cast<QDoubleSpinBox*>(editor)->setValue(values.real(spec.name));
        break;
      case ParamType::Boolean:
        static_cast<QCheckBox*>(editor)->setChecked(values.boolean(spec.name));
        break;
      case ParamType::Text:
        static_cast<QLineEdit*>(editor)->setText(
            QString::fromStdString(std::get<std::string>(value)));
        break;
      case ParamType::Choice:
        static_cast<QComboBox*>(editor)->setCurrentText(
            QString::fromStdString(std::get<std::string>(value)));
        break;
    }
  }
}

plugins::ParameterSet ParameterForm::values() const {
  plugins::ParameterSet set;
  for (const auto& spec : schema_.specs()) {
    QWidget* editor = editors_.at(spec.name);
    plugins::ParamValue value;
    switch (spec.type) {
      case ParamType::Integer:
        value = static_cast<std::int64_t>(static_cast<QSpinBox*>(editor)->value());
        break;
      case ParamType::Real:
        value = static_cast<QDoubleSpinBox*>(editor)->value();
        break;
      case ParamType::Boolean:
        value = static_cast<QCheckBox*>(editor)->isChecked();
        break;
      case ParamType::Text:
        value = static_cast<QLineEdit*>(editor)->text().toStdString();
        break;
      case ParamType::Choice:
        value = static_cast<QComboBox*>(editor)->currentText().toStdString();
        break;
    }
    spec.validate(value);
    set.set(spec.name, value);
  }
  return set;
}

QWidget* ParameterForm::editor(const QString& name) const {
  const auto it = editors_.find(name.toStdString());
  return it == editors_.end() ? nullptr : it->second;
}

}  // namespace nl::widgets
