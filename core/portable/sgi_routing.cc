#include "core/portable/sgi_routing.h"

namespace el2lab::vgic {
namespace {

VCpuMask all_vcpus(std::size_t count) {
  return count >= 32 ? ~VCpuMask{0} : (VCpuMask{1} << count) - 1;
}

}  // namespace

VCpuMask sgi_targets(const SendIpi& ipi, std::uint32_t sender,
                     std::span<const std::uint64_t> mpidrs) {
  const VCpuMask everyone = all_vcpus(mpidrs.size());
  const VCpuMask self = sender < mpidrs.size() ? VCpuMask{1} << sender : 0;
  if (ipi.send_to_self) return self;
  if (ipi.send_to_all) return everyone & ~self;
  constexpr std::uint64_t kUpperAffinity = 0xff'00ff'ff00;  // Aff3, Aff2, Aff1
  VCpuMask targets = 0;
  for (std::size_t i = 0; i < mpidrs.size() && i < 32; ++i) {
    const std::uint64_t aff0 = mpidrs[i] & 0xff;
    if ((mpidrs[i] & kUpperAffinity) != ipi.target_cpu || aff0 >= 16) continue;
    if (((ipi.target_list >> aff0) & 1) != 0) targets |= VCpuMask{1} << i;
  }
  return targets;
}

VCpuMask sgi_targets(const SgiRequest& sgi, std::uint32_t sender, std::uint32_t vcpu_count) {
  const VCpuMask everyone = all_vcpus(vcpu_count);
  const VCpuMask self = sender < vcpu_count ? VCpuMask{1} << sender : 0;
  switch (sgi.filter) {
    case 0: return static_cast<VCpuMask>(sgi.target_list) & everyone;
    case 1: return everyone & ~self;
    case 2: return self;
    default: return 0;
  }
}

}  // namespace el2lab::vgic
