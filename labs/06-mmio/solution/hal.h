#pragma once
/// \file
/// \brief Lab 06's reference HAL over the reference PL031.
#include "labs/06-mmio/solution/pl031.h"
// The HAL comes second: it names the class above.
#include "labs/06-mmio/mmio_hal.h"
