// The guest's console lines (guest_console.h): what leaves the common path.
#include "core/el2/guest_console.h"

#include <string_view>

#include "core/el2/console.h"

namespace el2lab {

GuestConsole guest_console;

void GuestConsole::end_line(char c) {
  if (c == '\r') return;
  line_[length_++] = c;  // the newline, or the last byte that fits
  flush();
}

void GuestConsole::flush() {
  const ConsoleLock lock;
  console().put(std::string_view(line_.data(), length_));
  length_ = 0;
}

}  // namespace el2lab
