#pragma once
// The dataset browser: classes with their item counts per split, a thumbnail grid of a split's
// items (decoded lazily on a background thread, cached; smooth with tens of thousands of items)
// and the few-shot split of a chosen k/seed highlighted (pd::sampleFewShot, CoOp's protocol).
#include <QAbstractListModel>
#include <QCache>
#include <QImage>
#include <QSet>
#include <QWidget>

#include <atomic>
#include <memory>
#include <vector>

#include "promptdesk/dataset.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QListView;
class QSpinBox;
class QTableWidget;
class QThreadPool;
class QTimer;

namespace pd::ui {

// Items of one split as a list model; DecorationRole is a thumbnail decoded off the GUI thread
// (a placeholder until it arrives), BackgroundRole marks few-shot items.
class ThumbnailModel : public QAbstractListModel {
  Q_OBJECT
 public:
  static constexpr int kThumb = 56;
  static constexpr int kFewShotRole = Qt::UserRole + 1;  // 0 none, 1 train shot, 2 val shot

  explicit ThumbnailModel(QObject* parent = nullptr);
  ~ThumbnailModel() override;

  // The items shown: positions `rows` of `split` in `dataset`.
  void setItems(std::shared_ptr<const ::pd::Dataset> dataset, const std::string& split,
                std::vector<int> rows);
  void setFewShot(QSet<int> trainRows, QSet<int> valRows);  // positions in the split
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  const ::pd::ItemRef* item(int row) const;

  // Thumbnails decoded so far / asked for (the view only asks for what it shows).
  int decodedCount() const { return decoded_; }
  int requestedCount() const { return requested_; }
  int cachedCount() const { return cache_.count(); }
  // Longest time one decoded batch took on the GUI thread to be taken in, in ms.
  double worstApplyMs() const { return worstApplyMs_; }

 signals:
  void thumbnailsArrived(int count);

 private:
  void request(int row) const;
  void startBatch();
  void take(quint64 generation, const std::vector<std::pair<int, QImage>>& images);

  std::shared_ptr<const ::pd::Dataset> dataset_;
  std::string split_;
  std::vector<int> rows_;
  QSet<int> train_, val_;
  mutable QCache<int, QPixmap> cache_;  // by position in the split
  mutable std::vector<int> pending_;    // positions, newest last
  mutable QSet<int> inFlight_;
  QThreadPool* pool_ = nullptr;
  QTimer* batchTimer_ = nullptr;
  bool busy_ = false;
  quint64 generation_ = 0;
  std::shared_ptr<std::atomic<quint64>> liveGeneration_;
  QPixmap placeholder_;
  int decoded_ = 0;
  mutable int requested_ = 0;
  double worstApplyMs_ = 0;
};

class DatasetBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetBrowser(QWidget* parent = nullptr);

  // Opens the dataset on a background thread; `loaded` tells when it is shown.
  void load(const QString& spec, const ::pd::DatasetOptions& options = {},
            const QString& title = {});
  void setDataset(std::shared_ptr<const ::pd::Dataset> dataset);
  std::shared_ptr<const ::pd::Dataset> dataset() const { return dataset_; }

  void showSplit(const QString& split);
  // Highlights the few-shot split (shots per class, seed); shots 0 clears it.
  void setFewShot(int shots, int seed);
  void setOnlyFewShot(bool only);
  void setClassFilter(int label);  // -1: all classes

  int fewShotTrainCount() const { return fewTrain_.size(); }
  int fewShotValCount() const { return fewVal_.size(); }
  QString currentSplit() const;

  QTableWidget* classTable() const { return classes_; }
  QListView* grid() const { return grid_; }
  ThumbnailModel* thumbnails() const { return model_; }
  QLabel* summaryLabel() const { return summary_; }
  QLabel* fewShotLabel() const { return fewLabel_; }
  QSpinBox* shotsBox() const { return shots_; }
  QSpinBox* seedBox() const { return seed_; }

 signals:
  void loaded(bool ok, const QString& error);

 private:
  void rebuildItems();
  void recomputeFewShot();

  std::shared_ptr<const ::pd::Dataset> dataset_;
  ::pd::FewShotSplit fewShot_;
  QSet<int> fewTrain_, fewVal_;
  QLabel* summary_ = nullptr;
  QTableWidget* classes_ = nullptr;
  QComboBox* split_ = nullptr;
  QComboBox* classFilter_ = nullptr;
  QSpinBox* shots_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QCheckBox* highlight_ = nullptr;
  QCheckBox* only_ = nullptr;
  QLabel* fewLabel_ = nullptr;
  QListView* grid_ = nullptr;
  ThumbnailModel* model_ = nullptr;
  QString title_;
};

// A thumbnail (at most `side` pixels) of an item's image; null for text items or unreadable ones.
QImage itemThumbnail(const ::pd::Dataset& dataset, const ::pd::ItemRef& item, int side);

}  // namespace pd::ui
