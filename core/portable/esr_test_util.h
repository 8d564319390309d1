#pragma once
// Test helpers shared by esr_test.cc and esr_iss_test.cc.
#include <cstdint>

namespace el2lab::esr::test {

// Expected syndromes are assembled here from the field positions printed in the Arm ARM
// (ESR_ELx and its "ISS encoding for ..." sections), as plain shifts. They deliberately do not
// use the BitField constants of esr.h, so a wrong position there cannot make its own test pass.

// ESR_ELx: EC [31:26], IL [25], ISS [24:0].
constexpr std::uint64_t Esr(unsigned ec, unsigned il, std::uint32_t iss) {
  return (std::uint64_t{ec} << 26) | (std::uint64_t{il} << 25) | iss;
}

// Data Abort ISS fields, one per line of the Arm ARM's table.
struct DaFields {
  unsigned isv = 0;    // [24]
  unsigned sas = 0;    // [23:22]
  unsigned sse = 0;    // [21]
  unsigned srt = 0;    // [20:16]
  unsigned sf = 0;     // [15]
  unsigned ar = 0;     // [14]
  unsigned vncr = 0;   // [13]
  unsigned fnv = 0;    // [10]
  unsigned ea = 0;     // [9]
  unsigned cm = 0;     // [8]
  unsigned s1ptw = 0;  // [7]
  unsigned wnr = 0;    // [6]
  unsigned dfsc = 0;   // [5:0]
};

constexpr std::uint32_t DataAbortIss(const DaFields& f) {
  return (f.isv << 24) | (f.sas << 22) | (f.sse << 21) | (f.srt << 16) | (f.sf << 15) |
         (f.ar << 14) | (f.vncr << 13) | (f.fnv << 10) | (f.ea << 9) | (f.cm << 8) |
         (f.s1ptw << 7) | (f.wnr << 6) | f.dfsc;
}

// MSR/MRS ISS: Op0 [21:20], Op2 [19:17], Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1],
// Direction [0] (1 = read).
constexpr std::uint32_t SysRegIss(unsigned op0, unsigned op1, unsigned crn, unsigned crm,
                                  unsigned op2, unsigned rt, bool read) {
  return (op0 << 20) | (op2 << 17) | (op1 << 14) | (crn << 10) | (rt << 5) | (crm << 1) |
         (read ? 1u : 0u);
}

}  // namespace el2lab::esr::test
