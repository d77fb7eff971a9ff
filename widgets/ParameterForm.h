#pragma once
// A form generated from a plugin's parameter schema: one editor per
// parameter (spin boxes with ranges and units, check boxes, choices), help as
// tool tips. No analysis gets a hand-written dialog.
#include <QWidget>
#include <map>

#include "plugins/api/ParameterSchema.h"

namespace nl::widgets {

class ParameterForm : public QWidget {
  Q_OBJECT
 public:
  explicit ParameterForm(QWidget* parent = nullptr);
  void setSchema(const plugins::ParameterSchema& schema);
  // The values shown, validated; throws plugins::ParameterError.
  plugins::ParameterSet values() const;
  void setValues(const plugins::ParameterSet& values);
  void resetToDefaults();
  QWidget* editor(const QString& name) const;

 signals:
  void changed();

 private:
  plugins::ParameterSchema schema_;
  std::map<std::string, QWidget*> editors_;
};

}  // namespace nl::widgets
