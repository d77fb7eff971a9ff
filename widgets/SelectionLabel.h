#pragma once
// The status bar's "what is selected": dataset name and the first items.
#include <QLabel>

#include "io/Session.h"

namespace nl::widgets {

class SelectionLabel : public QLabel {
  Q_OBJECT
 public:
  explicit SelectionLabel(io::Session& session, QWidget* parent = nullptr);
  ~SelectionLabel() override;

 private:
  io::Session& session_;
  io::Signal<const std::string&>::ConnectionId connection_ = 0;
};

}  // namespace nl::widgets
