#include "render/organ_colors.h"

#include <cctype>
#include <string>

namespace viscera {
namespace {

struct KeywordColor {
  const char* keyword;
  Color color;
};

// First match wins: specific words before general ones ("kidney_cyst" before "kidney").
constexpr KeywordColor kColors[] = {
    {"cyst", {0.55f, 0.70f, 0.90f}},        {"rib", {0.93f, 0.88f, 0.78f}},
    {"vertebra", {0.93f, 0.88f, 0.78f}},    {"sacrum", {0.93f, 0.88f, 0.78f}},
    {"hip", {0.93f, 0.88f, 0.78f}},         {"femur", {0.93f, 0.88f, 0.78f}},
    {"humerus", {0.93f, 0.88f, 0.78f}},     {"scapula", {0.93f, 0.88f, 0.78f}},
    {"clavicula", {0.93f, 0.88f, 0.78f}},   {"skull", {0.93f, 0.88f, 0.78f}},
    {"sternum", {0.93f, 0.88f, 0.78f}},     {"bone", {0.93f, 0.88f, 0.78f}},
    {"costal", {0.80f, 0.85f, 0.80f}},      {"liver", {0.62f, 0.22f, 0.18f}},
    {"spleen", {0.55f, 0.20f, 0.45f}},      {"kidney", {0.85f, 0.50f, 0.25f}},
    {"gallbladder", {0.35f, 0.60f, 0.20f}}, {"stomach", {0.88f, 0.62f, 0.52f}},
    {"pancreas", {0.95f, 0.80f, 0.45f}},    {"adrenal", {0.95f, 0.70f, 0.20f}},
    {"lung", {0.92f, 0.62f, 0.62f}},        {"trachea", {0.75f, 0.85f, 0.95f}},
    {"esophagus", {0.80f, 0.55f, 0.50f}},   {"bowel", {0.92f, 0.68f, 0.58f}},
    {"duodenum", {0.90f, 0.65f, 0.55f}},    {"colon", {0.78f, 0.52f, 0.42f}},
    {"bladder", {0.92f, 0.86f, 0.40f}},     {"prostate", {0.70f, 0.50f, 0.60f}},
    {"thyroid", {0.70f, 0.30f, 0.40f}},     {"heart", {0.75f, 0.15f, 0.15f}},
    {"atrial", {0.75f, 0.15f, 0.15f}},      {"aorta", {0.85f, 0.10f, 0.10f}},
    {"arter", {0.85f, 0.10f, 0.10f}},       {"trunk", {0.85f, 0.10f, 0.10f}},
    {"vena", {0.20f, 0.30f, 0.85f}},        {"vein", {0.20f, 0.30f, 0.85f}},
    {"spinal", {0.95f, 0.90f, 0.50f}},      {"brain", {0.90f, 0.75f, 0.70f}},
    {"gluteus", {0.72f, 0.32f, 0.28f}},     {"iliopsoas", {0.72f, 0.32f, 0.28f}},
    {"autochthon", {0.72f, 0.32f, 0.28f}},  {"muscle", {0.72f, 0.32f, 0.28f}},
};

}  // namespace

Color AnatomicalColor(std::string_view name, Color fallback) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const KeywordColor& k : kColors) {
    if (lower.find(k.keyword) != std::string::npos) return k.color;
  }
  return fallback;
}

}  // namespace viscera
