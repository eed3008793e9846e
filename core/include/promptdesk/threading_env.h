#pragma once
// LibTorch's OpenMP threads spin while they wait for work (libgomp's default wait policy). On a
// loaded 2-core machine that spinning starves everything else: the demo pretraining measured
// 2.5 s per step with spinning against 0.4 s with OMP_WAIT_POLICY=PASSIVE (load average 7).
// libgomp reads the variable when it is loaded, before main(), so the executables re-execute
// themselves once with it set. An explicit OMP_WAIT_POLICY in the environment is respected.
namespace pd {

// Call first thing in main(). Returns only when the policy is already set (or exec failed).
void reexecWithPassiveOmpWait(char** argv);

}  // namespace pd
