#pragma once
/// \file
/// \brief Which HAL this build of the hypervisor uses.
///
/// The reference build uses board::QemuVirtHal. A lab builds the same hypervisor with its own
/// HAL by defining EL2LAB_HAL_HEADER (a header to include) and EL2LAB_HAL_TYPE (the type).

#ifdef EL2LAB_HAL_HEADER
#include EL2LAB_HAL_HEADER
#else
#include "core/board/qemu-virt/qemu_virt_hal.h"
/// The HAL type: board::QemuVirtHal unless the build defines EL2LAB_HAL_HEADER and its own
/// EL2LAB_HAL_TYPE.
#define EL2LAB_HAL_TYPE ::el2lab::board::QemuVirtHal
#endif

namespace el2lab {

/// \ingroup hal
/// \brief The HAL the hypervisor is instantiated with.
using Hal = EL2LAB_HAL_TYPE;

}  // namespace el2lab
