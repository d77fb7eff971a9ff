#include "widgets/SelectionLabel.h"

#include <QStringList>

namespace nl::widgets {

SelectionLabel::SelectionLabel(io::Session& session, QWidget* parent)
    : QLabel(tr("nothing selected"), parent), session_(session) {
  connection_ = session_.selection().changed.connect([this](const std::string&) {
    const auto& s = session_.selection();
    const auto dataset = session_.find(s.dataset());
    QStringList items;
    for (std::size_t i = 0; i < s.indices().size() && i < 6; ++i)
      items << QString::number(s.indices()[i]);
    if (s.indices().size() > 6) items << QString::fromUtf8("…");
    setText(dataset && !items.isEmpty()
                ? tr("%1: %2").arg(QString::fromStdString(dataset->name()), items.join(", "))
                : tr("nothing selected"));
  });
}

SelectionLabel::~SelectionLabel() {
  session_.selection().changed.disconnect(connection_);
}

}  // namespace nl::widgets
