#pragma once
#include <QMainWindow>

class QDockWidget;
class QTabWidget;
class QLabel;

namespace pd::ui {

// The workbench's main window: menus, central tabbed work area, docks and a status bar.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  QTabWidget* workArea() const { return workArea_; }
  QDockWidget* jobDock() const { return jobDock_; }
  QDockWidget* explorerDock() const { return explorerDock_; }

 private:
  void buildMenus();
  void buildDocks();
  void showAbout();

  QTabWidget* workArea_ = nullptr;
  QDockWidget* explorerDock_ = nullptr;
  QDockWidget* jobDock_ = nullptr;
  QLabel* jobSummary_ = nullptr;
};

}  // namespace pd::ui
