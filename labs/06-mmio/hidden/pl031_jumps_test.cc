// Lab 06's hidden host test: the PL031 under a clock that jumps and a count that wraps.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>

#include PL031_HEADER
#include "labs/gradelib/host_check.h"

namespace {

using el2lab::labs::Pl031;
std::uint64_t now = 1'000'000;
std::uint64_t fake_clock() {
  return now;
}
constexpr std::uint64_t DR = 0x0, MR = 0x4, LR = 0x8, IMSC = 0x10, RIS = 0x14, MIS = 0x18,
                        ICR = 0x1c;
using el2lab::labs::host_check::failures;

long long rd(Pl031& d, std::uint64_t o) {
  auto v = d.read(o, 4);
  return v ? static_cast<long long>(*v) : -1;
}
void wr(Pl031& d, std::uint64_t o, std::uint32_t v) {
  CHECK(d.write(o, 4, v), "a 32-bit write at %#llx was refused", (unsigned long long)o);
}

void jumps() {
  Pl031 rtc(fake_clock);
  now += 3 * 86400;
  CHECK(rd(rtc, DR) == 1767225600 + 3 * 86400, "DR three days in is %lld", rd(rtc, DR));
  wr(rtc, LR, 0xffff'fff0);
  wr(rtc, MR, 5);
  wr(rtc, IMSC, 1);
  now += 0x10;
  CHECK(rd(rtc, DR) == 0, "DR 16 s after LR = 0xfffffff0 is %lld, want 0 (wrapped)", rd(rtc, DR));
  CHECK(rd(rtc, RIS) == 0, "RIS is %lld before the count reaches MR = 5 across the wrap",
        rd(rtc, RIS));
  now += 5;
  CHECK(rd(rtc, RIS) == 1 && rd(rtc, MIS) == 1, "RIS/MIS at DR = MR = 5 after a wrap: %lld/%lld",
        rd(rtc, RIS), rd(rtc, MIS));
  wr(rtc, ICR, 1);
  wr(rtc, MR, 1000);
  wr(rtc, LR, 1000);  // loading the match value matches at once
  CHECK(rd(rtc, RIS) == 1, "RIS after LR = MR is %lld, want 1 at once", rd(rtc, RIS));
  wr(rtc, ICR, 1);
  wr(rtc, LR, 998);
  now += 1;
  CHECK(rd(rtc, RIS) == 0, "RIS at DR = 999, MR = 1000 is %lld", rd(rtc, RIS));
  now += 100000;  // a long jump straight over the match
  CHECK(rd(rtc, RIS) == 1, "RIS after the clock jumped over MR is %lld", rd(rtc, RIS));
  CHECK(rd(rtc, LR) == 998, "LR reads %lld, want the last value loaded (998)", rd(rtc, LR));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "jumps") == 0) jumps();
  std::printf("%s jumps\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
