#pragma once
/// \file
/// \brief Decoding ESR_EL2, the register that says why the CPU just entered the hypervisor.
///
/// Every trap from a guest arrives at one of the EL2 vectors with ESR_EL2 (the Exception
/// Syndrome Register) describing the cause. Its Exception Class (EC) says *what* happened — an
/// HVC, a trapped MSR, a stage 2 Data Abort — and its Instruction Specific Syndrome (ISS) carries
/// the details a hypervisor needs to emulate the operation *without* fetching and decoding the
/// guest's instruction. These headers name those bits and decode them into typed fields:
///
/// - esr_core.h: bit fields, the exception class, the syndrome, register numbers, fault status;
/// - esr_iss.h: the instruction-specific syndromes (aborts, system registers, WFx, SError, ...);
/// - vector_entry.h: the sixteen vector-table entries.
///
/// Bit positions are those of the Arm ARM (DDI 0487), register ESR_ELx and its "ISS encoding for
/// ..." subsections. ESR_EL1 has the same layout, so the same definitions also serve to build a
/// syndrome when the hypervisor injects an exception into a guest. Everything here is pure and
/// almost all of it constexpr: it runs unchanged in the EL2 kernel and in host unit tests.

#include "core/portable/esr_core.h"
#include "core/portable/esr_iss.h"
#include "core/portable/vector_entry.h"
