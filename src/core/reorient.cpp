#include "core/reorient.h"

#include "core/parallel.h"

namespace viscera {
namespace {
// World axis (0=x L/R, 1=y P/A, 2=z I/S) of a letter, and whether it is the positive (LPS) end.
void LetterAxis(char letter, int* world, bool* positive) {
  switch (letter) {
    case 'L':
      *world = 0;
      *positive = true;
      return;
    case 'R':
      *world = 0;
      *positive = false;
      return;
    case 'P':
      *world = 1;
      *positive = true;
      return;
    case 'A':
      *world = 1;
      *positive = false;
      return;
    case 'S':
      *world = 2;
      *positive = true;
      return;
    default:
      *world = 2;
      *positive = false;
      return;  // 'I'; codes are validated first
  }
}
}  // namespace

Expected<AxisMapping> ComputeReorientation(const Geometry& src, const std::string& codes) {
  VISCERA_RETURN_IF_ERROR(ValidateAxisCodes(codes));
  const std::string current = src.AxisCodes();
  AxisMapping map;
  for (int t = 0; t < 3; ++t) {
    int want_world;
    bool want_positive;
    LetterAxis(codes[t], &want_world, &want_positive);
    for (int s = 0; s < 3; ++s) {
      int world;
      bool positive;
      LetterAxis(current[s], &world, &positive);
      if (world == want_world) {
        map.source_axis[t] = s;
        map.flipped[t] = positive != want_positive;
      }
    }
  }
  Geometry& dst = map.geometry;
  dst = src;
  Vec3 src_index_of_new_origin{0, 0, 0};
  for (int t = 0; t < 3; ++t) {
    int s = map.source_axis[t];
    dst.size[t] = src.size[s];
    dst.spacing[t] = src.spacing[s];
    for (int r = 0; r < 3; ++r) {
      dst.direction.m[r][t] = (map.flipped[t] ? -1 : 1) * src.direction.m[r][s];
    }
    if (map.flipped[t]) src_index_of_new_origin[s] = static_cast<double>(src.size[s] - 1);
  }
  dst.origin = src.IndexToLpsPoint(src_index_of_new_origin);
  return map;
}

template <typename T>
Expected<Volume<T>> Reorient(const Volume<T>& volume, const std::string& codes) {
  VISCERA_ASSIGN_OR_RETURN(AxisMapping map, ComputeReorientation(volume.geometry(), codes));
  const Geometry& dst = map.geometry;
  Volume<T> out(dst);
  ParallelFor(0, dst.size[2], [&](int64_t k) {
    int64_t idx[3];
    idx[2] = k;
    for (int64_t j = 0; j < dst.size[1]; ++j) {
      idx[1] = j;
      for (int64_t i = 0; i < dst.size[0]; ++i) {
        idx[0] = i;
        Index3 s = map.SourceIndex({idx[0], idx[1], idx[2]});
        out.at(i, j, k) = volume.at(s[0], s[1], s[2]);
      }
    }
  });
  return out;
}

Expected<AnyVolume> Reorient(const AnyVolume& volume, const std::string& codes) {
  return std::visit(
      [&](const auto& v) -> Expected<AnyVolume> {
        VISCERA_ASSIGN_OR_RETURN(auto out, Reorient(v, codes));
        return AnyVolume(std::move(out));
      },
      volume);
}

template Expected<Volume<uint8_t>> Reorient(const Volume<uint8_t>&, const std::string&);
template Expected<Volume<int16_t>> Reorient(const Volume<int16_t>&, const std::string&);
template Expected<Volume<uint16_t>> Reorient(const Volume<uint16_t>&, const std::string&);
template Expected<Volume<int32_t>> Reorient(const Volume<int32_t>&, const std::string&);
template Expected<Volume<float>> Reorient(const Volume<float>&, const std::string&);

}  // namespace viscera
