#pragma once
// The checks of the labs' host test programs (labs/NN-name/tests/*.cc, hidden/*.cc), which the
// graders build and run through labs/gradelib/hostprog.py: CHECK prints a failed check and
// counts it without stopping the case; run_cases() runs every case, or the one named on the
// command line, and prints "ok NAME" or "FAILED NAME" for each. Plain C++, no test framework,
// so a student can build a test program with one compiler command (see each lab's README).
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace el2lab::labs::host_check {

/// Failed checks so far.
inline int failures = 0;

/// One named case of a test program.
struct Case {
  const char* name;
  void (*run)();
};

/// Runs \p cases (only the one named by argv[1], if given); 0 if every check held.
template <std::size_t N>
int run_cases(int argc, char** argv, const Case (&cases)[N]) {
  for (const Case& c : cases) {
    if (argc == 2 && std::strcmp(argv[1], c.name) != 0) continue;
    const int before = failures;
    c.run();
    std::printf("%s %s\n", failures == before ? "ok" : "FAILED", c.name);
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace el2lab::labs::host_check

/// Checks \p cond; if it fails, prints the printf-style message after it and counts a failure.
#define CHECK(cond, ...)                      \
  do {                                        \
    if (!(cond)) {                            \
      std::printf("  check failed: ");        \
      std::printf(__VA_ARGS__);               \
      std::printf("\n");                      \
      ++::el2lab::labs::host_check::failures; \
    }                                         \
  } while (0)
