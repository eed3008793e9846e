#pragma once
// Helpers shared by the UI tests: the screenshot folder and synthetic chart data.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <algorithm>
#include <cmath>
#include <functional>

#include "charts/chart_data.h"

namespace pd::test {

inline QString outputDir() {
  const QString dir = qEnvironmentVariable("PD_TEST_OUTPUT", QStringLiteral(PD_TEST_OUTPUT));
  QDir().mkpath(dir);
  return dir;
}

inline QString saveShot(QWidget* w, const QString& name) {
  const QString path = outputDir() + QLatin1Char('/') + name;
  w->grab().save(path);
  return path;
}

// Three methods over five shot counts and three seeds, as in the CoOp paper's figure.
inline charts::FewShotData fewShotSample() {
  charts::FewShotData d;
  d.dataset = "Caltech101";
  d.yLabel = "Score (%)";
  d.zeroShot = 86.3;
  d.zeroShotLabel = "Zero-shot CLIP";
  const double shots[] = {1, 2, 4, 8, 16};
  auto add = [&](const char* name, double base, double gain, double sd) {
    charts::MethodSeries m;
    m.name = name;
    for (int i = 0; i < 5; ++i)
      m.points.push_back({shots[i], base + gain * std::log2(shots[i] + 1), sd / (i + 1)});
    d.methods.push_back(m);
  };
  add("CoOp (M=16, end)", 87.5, 1.5, 1.2);
  add("CoCoOp", 88.0, 1.0, 0.8);
  add("Linear probe CLIP", 70.0, 6.0, 2.5);
  return d;
}

inline std::vector<std::string> sampleClasses(int n) {
  static const char* names[] = {"airplane", "automobile", "bird",  "cat",    "deer",
                                "dog",      "frog",       "horse", "ship",   "truck",
                                "apple",    "bear",       "bee",   "bicycle"};
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(names[i % 14]);
  return out;
}

// Nanoseconds the calling thread has waited on a run queue (runnable, but another thread had the
// CPU), from /proc/thread-self/schedstat; -1 where the kernel does not provide it.
inline qint64 runQueueWaitNs() {
  QFile f(QStringLiteral("/proc/thread-self/schedstat"));
  if (!f.open(QIODevice::ReadOnly)) return -1;
  const QList<QByteArray> parts = f.readAll().simplified().split(' ');
  return parts.size() >= 2 ? parts[1].toLongLong() : -1;
}

// The GUI-thread watchdog of the quality bar: a 10 ms timer; each tick's gap since the previous
// one is how long the event loop did not turn. Counted only while `active()` and not paused
// (test-only work such as screenshots). Two numbers: the raw wall-clock gap, and the gap minus
// the time the kernel kept the GUI thread waiting for a CPU (on a shared, overloaded machine a
// runnable thread can wait hundreds of ms that no code of ours spends).
struct GuiWatchdog {
  QTimer timer;
  QElapsedTimer since;
  qint64 lastWait = 0;
  qint64 worstWallMs = 0;  // raw
  qint64 worstOwnMs = 0;   // raw minus run-queue wait: time the GUI thread itself was busy/blocked
  qint64 worstWaitInWorstMs = 0;
  qint64 worstWallWaitMs = 0;  // run-queue wait inside the worst wall-clock gap
  qint64 ticks = 0;
  bool paused = false;
  QString phase, worstPhase;
  std::function<bool()> active;
  explicit GuiWatchdog(std::function<bool()> isActive) : active(std::move(isActive)) {
    timer.setInterval(10);
    QObject::connect(&timer, &QTimer::timeout, [this] { tick(); });
    reset();
    timer.start();
  }
  void reset() {
    since.restart();
    lastWait = runQueueWaitNs();
  }
  void tick() {
    const qint64 gapNs = since.nsecsElapsed();
    const qint64 wait = runQueueWaitNs();
    const qint64 waitedNs = (wait >= 0 && lastWait >= 0) ? wait - lastWait : 0;
    since.restart();
    lastWait = wait;
    if (paused || !active()) return;
    ++ticks;
    const qint64 wall = gapNs / 1000000;
    const qint64 own = std::max<qint64>(0, gapNs - waitedNs) / 1000000;
    if (wall > worstWallMs) {
      worstWallMs = wall;
      worstWallWaitMs = waitedNs / 1000000;
    }
    if (own > worstOwnMs) {
      worstOwnMs = own;
      worstWaitInWorstMs = waitedNs / 1000000;
      worstPhase = phase;
    }
  }
  void shot(QWidget* w, const QString& name) {
    paused = true;
    saveShot(w, name);
    reset();
    paused = false;
  }
};

}  // namespace pd::test
