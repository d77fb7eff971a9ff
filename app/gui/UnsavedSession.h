#pragma once
// What quitting would lose, and asking about it: the session's datasets (files
// opened, analysis results) compared with those it had when last saved or
// opened, and the Save / Discard / Cancel question.
#include <QString>
#include <functional>

class QWidget;

namespace nl::io {
class Session;
}

namespace nl::app {

// The datasets of `session`, one id per line.
QString sessionContents(const io::Session& session);

// The file dialog of "Save Session As…"; empty when the user cancels.
QString chooseSessionFile(QWidget* parent);

// Save / Discard / Cancel. Save writes to `sessionPath` (asking for a file
// when it is empty) through `save`; true: go on closing.
bool askToSaveBeforeQuitting(QWidget* parent, const QString& sessionPath,
                             const std::function<bool(const QString&)>& save);

}  // namespace nl::app
