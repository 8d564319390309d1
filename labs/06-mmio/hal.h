#pragma once
/// \file
/// \brief Lab 06's HAL over your PL031 (labs/06-mmio/pl031.h).
#include "labs/06-mmio/pl031.h"
// The HAL comes second: it names the class above.
#include "labs/06-mmio/mmio_hal.h"
