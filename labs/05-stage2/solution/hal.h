#pragma once
/// \file
/// \brief Lab 05's reference HAL over the reference frame pool.
#include "labs/05-stage2/solution/frame_pool.h"
// The HAL comes second: it names the class above.
#include "labs/05-stage2/stage2_hal.h"
