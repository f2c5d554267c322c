#include "render/transfer_cache.h"

namespace viscera {

std::shared_ptr<const PreparedTransfer> TransferCache::Get(const RenderVolume& volume,
                                                           const RenderSettings& settings,
                                                           float step_mm, bool* rebuilt) {
  std::lock_guard lock(mutex_);
  if (last_ && last_->step_mm == step_mm && last_->tf == settings.transfer_function &&
      last_->organs == settings.organs) {
    if (rebuilt) *rebuilt = false;
    return last_;
  }
  auto p = std::make_shared<PreparedTransfer>();
  p->tf = settings.transfer_function;
  p->organs = settings.organs;
  p->step_mm = step_mm;
  p->baked =
      BakeTransferFunction(p->tf, p->organs, step_mm, static_cast<float>(volume.LargestExtentMm()));
  p->occupancy = volume.ComputeOccupancy(p->baked);
  last_ = p;
  if (rebuilt) *rebuilt = true;
  return last_;
}

VolumeView HostViewOf(const RenderVolume& volume, const PreparedTransfer& prepared) {
  VolumeView view = volume.HostView();
  const RenderVolume::Occupancy& occ = prepared.occupancy;
  view.block_code = occ.block_code.data();
  view.kx = occ.blocks[0];
  view.ky = occ.blocks[1];
  view.kz = occ.blocks[2];
  view.block_distance = occ.block_distance.data();
  view.label_table = prepared.baked.label_table.data();
  view.label_visible = prepared.baked.label_visible.data();
  view.tables = prepared.baked.tables.data();
  view.alphas = prepared.baked.alphas.data();
  return view;
}

}  // namespace viscera
