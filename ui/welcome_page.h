#pragma once
// The first tab: what PromptDesk does and where to start.
#include <QWidget>

namespace pd::ui {

class WelcomePage : public QWidget {
  Q_OBJECT
 public:
  explicit WelcomePage(QWidget* parent = nullptr);
};

}  // namespace pd::ui
