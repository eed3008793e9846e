#pragma once
// Plain inputs of the results table and the comparison view (no Qt), filled from experiment
// results by the GUI or by the report generator.
#include <string>
#include <vector>

#include "charts/chart_data.h"

namespace pd::ui {

struct ResultsTableData {
  std::vector<std::string> textColumns;    // "Experiment", "Method", "Dataset", ...
  std::vector<std::string> numberColumns;  // "Shots", "Seed", "Top-1 (%)", ...
  struct Row {
    std::vector<std::string> text;
    std::vector<double> numbers;
  };
  std::vector<Row> rows;
};

struct MetricCI {
  std::string name;                   // "Top-1 accuracy (%)"
  double a = 0, aLow = 0, aHigh = 0;  // value and 95% CI of prompt A
  double b = 0, bLow = 0, bHigh = 0;
};

// A paired test over the same test items (e.g. McNemar's on correct/incorrect).
struct PairedTest {
  std::string name = "McNemar";
  double statistic = 0;
  double pValue = 1;
  int onlyACorrect = 0;  // items A gets right and B wrong
  int onlyBCorrect = 0;
  double alpha = 0.05;
};

struct DisagreementItem {
  std::string id;
  std::string imagePath;  // thumbnail (empty for text items)
  std::string text;       // the text item, or a caption
  std::string trueLabel;
  std::string predA;
  std::string predB;
};

struct ComparisonData {
  std::string nameA, nameB;  // the two prompts / runs
  std::string dataset;
  std::vector<MetricCI> metrics;
  PairedTest test;
  charts::ClassDiffData classDiff;  // B − A per class
  charts::ConfusionData confusionA, confusionB;
  std::vector<DisagreementItem> disagreements;
};

}  // namespace pd::ui
