#pragma once
/// \file
/// \brief Lab 05's HAL over your frame pool (labs/05-stage2/frame_pool.h).
#include "labs/05-stage2/frame_pool.h"
// The HAL comes second: it names the class above.
#include "labs/05-stage2/stage2_hal.h"
