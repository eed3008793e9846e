#include "welcome_page.h"

#include <QLabel>
#include <QVBoxLayout>

#include "promptdesk/version.h"

namespace pd::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("welcomePage"));
  auto* title = new QLabel(tr("<h1>PromptDesk</h1>"), this);
  auto* text = new QLabel(
      tr("<p style='font-size:11pt'>A workbench for prompt learning with CLIP.</p>"
         "<ul style='font-size:10.5pt'>"
         "<li><b>File ▸ New Project</b> (Ctrl+N) or <b>Open Project</b> (Ctrl+O) to begin.</li>"
         "<li>Add a model and a dataset from the <b>Project</b> menu; they appear in the explorer "
         "on the left.</li>"
         "<li>Write hand-crafted templates with live preview (<b>Project ▸ New Template</b>, "
         "Ctrl+T).</li>"
         "<li>Launch zero-shot evaluation or CoOp/CoCoOp training from the <b>Run</b> menu "
         "(Ctrl+R); follow progress, loss and ETA in the <b>Jobs</b> dock below.</li>"
         "<li>Compare prompts side by side: metrics with 95% CI, paired significance, per-class "
         "differences, confusion matrices and the items where they disagree.</li></ul>"
         "<p style='color:gray'>Version %1</p>")
          .arg(QString::fromStdString(pd::version())),
      this);
  text->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(32, 24, 32, 24);
  layout->addWidget(title);
  layout->addWidget(text);
  layout->addStretch(1);
}

}  // namespace pd::ui
