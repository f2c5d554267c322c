// The per-transfer-function state both renderers need: baked tables and empty-space occupancy,
// rebuilt only when the transfer function, organ styles or step length change (camera moves
// reuse them).
#pragma once

#include <memory>
#include <mutex>

#include "render/render_volume.h"
#include "render/transfer_table.h"

namespace viscera {

struct PreparedTransfer {
  TransferFunction tf;
  std::vector<OrganStyle> organs;
  float step_mm = 0;
  BakedTransferFunction baked;
  RenderVolume::Occupancy occupancy;
};

class TransferCache {
 public:
  // The prepared state for these settings; *rebuilt says whether it had to be made now.
  // Thread-safe; the returned object stays valid while held.
  std::shared_ptr<const PreparedTransfer> Get(const RenderVolume& volume,
                                              const RenderSettings& settings, float step_mm,
                                              bool* rebuilt = nullptr);

 private:
  std::mutex mutex_;
  std::shared_ptr<const PreparedTransfer> last_;
};

// The ray marcher's view of a volume with a prepared transfer function (host pointers).
VolumeView HostViewOf(const RenderVolume& volume, const PreparedTransfer& prepared);

}  // namespace viscera
