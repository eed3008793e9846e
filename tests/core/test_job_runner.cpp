// JobRunner: concurrency, cancel latency, failures, thread budget.
#include <ATen/Parallel.h>

#include <QtTest/QtTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "promptdesk/jobs.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class TestJobRunner : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runsJobsConcurrently() {
    pd::JobRunner runner({2, 1});
    QCOMPARE(runner.workers(), 2);
    std::atomic<int> inside{0}, peak{0};
    auto body = [&](pd::JobContext&) {
      int now = ++inside;
      int p = peak.load();
      while (now > p && !peak.compare_exchange_weak(p, now)) {
      }
      std::this_thread::sleep_for(150ms);
      --inside;
    };
    auto t0 = Clock::now();
    for (int i = 0; i < 4; ++i) runner.submit(std::make_shared<pd::FunctionJob>("sleep", body));
    runner.waitAll();
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    QCOMPARE(peak.load(), 2);
    QVERIFY2(s < 0.55, qPrintable(QString("4 x 150 ms on 2 workers took %1 s").arg(s)));
  }

  void cancelStopsWithinOneStep() {
    pd::JobRunner runner({1, 1});
    std::atomic<int> steps{0};
    auto id = runner.submit(std::make_shared<pd::FunctionJob>("long", [&](pd::JobContext& ctx) {
      for (int i = 0; i < 100000; ++i) {
        ctx.checkCancelled();
        std::this_thread::sleep_for(5ms);  // one "step"
        ++steps;
      }
    }));
    while (steps.load() < 3) std::this_thread::sleep_for(1ms);
    auto t0 = Clock::now();
    runner.cancel(id);
    QVERIFY(runner.wait(id, 2s));
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    QCOMPARE(runner.state(id), pd::JobState::Cancelled);
    QVERIFY2(ms < 50, qPrintable(QString("cancel took %1 ms").arg(ms)));
  }

  void cancelledWhileQueuedNeverRuns() {
    pd::JobRunner runner({1, 1});
    std::atomic<bool> release{false}, ran{false};
    auto blocker = runner.submit(std::make_shared<pd::FunctionJob>("block", [&](pd::JobContext&) {
      while (!release) std::this_thread::sleep_for(1ms);
    }));
    auto queued = runner.submit(
        std::make_shared<pd::FunctionJob>("queued", [&](pd::JobContext&) { ran = true; }));
    runner.cancel(queued);
    release = true;
    runner.waitAll();
    QCOMPARE(runner.state(blocker), pd::JobState::Succeeded);
    QCOMPARE(runner.state(queued), pd::JobState::Cancelled);
    QVERIFY(!ran);
  }

  void exceptionBecomesFailedJobAndPoolKeepsWorking() {
    pd::JobRunner runner({1, 1});
    auto bad = runner.submit(std::make_shared<pd::FunctionJob>(
        "bad", [](pd::JobContext&) { throw std::runtime_error("dataset.csv:3: ragged row"); }));
    auto good = runner.submit(std::make_shared<pd::FunctionJob>("good", [](pd::JobContext&) {}));
    runner.waitAll();
    QCOMPARE(runner.state(bad), pd::JobState::Failed);
    QCOMPARE(QString::fromStdString(runner.error(bad)), QString("dataset.csv:3: ragged row"));
    QCOMPARE(runner.state(good), pd::JobState::Succeeded);
  }

  void progressEventsReachTheListener() {
    pd::JobRunner runner({1, 1});
    std::mutex m;
    std::vector<pd::JobEvent> events;
    runner.setListener([&](const pd::JobEvent& e) {
      std::lock_guard<std::mutex> lock(m);
      events.push_back(e);
    });
    auto id = runner.submit(std::make_shared<pd::FunctionJob>("train", [](pd::JobContext& ctx) {
      for (int i = 1; i <= 4; ++i) ctx.progress(i / 4.0, i, 4, "epoch", {{"loss", 1.0 / i}});
    }));
    runner.wait(id);
    std::lock_guard<std::mutex> lock(m);
    int progress = 0;
    for (auto& e : events)
      if (e.state == pd::JobState::Running && e.step > 0) {
        ++progress;
        QCOMPARE(e.metrics.at("loss"), 1.0 / e.step);
        QCOMPARE(e.totalSteps, std::int64_t(4));
      }
    QCOMPARE(progress, 4);
    QCOMPARE(events.back().state, pd::JobState::Succeeded);
  }

  void threadBudgetIsApplied() {
    const int cores = std::max(1u, std::thread::hardware_concurrency());
    pd::JobRunner def;
    QVERIFY(def.workers() >= 1);
    QVERIFY(def.workers() * def.threadsPerWorker() <= std::max(cores, 1));
    pd::JobRunner runner({2, 3});
    std::atomic<int> seen{0};
    auto id = runner.submit(std::make_shared<pd::FunctionJob>("threads", [&](pd::JobContext& ctx) {
      seen = at::get_num_threads() * 100 + ctx.threads();
    }));
    runner.wait(id);
    QCOMPARE(seen.load(), 303);
  }
};

QTEST_GUILESS_MAIN(TestJobRunner)
#include "test_job_runner.moc"
