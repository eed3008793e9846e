#pragma once
// The real CLIP shapes the benchmarks run at (random weights): "vit-b32" or "rn50".
#include <string>

#include "promptdesk/clip.h"

namespace pd {

// ViT-B/32 or RN50 with CLIP's text transformer (width 512, 12 layers, 8 heads, context 77).
// Throws pd::Error naming `where` for another backbone.
ClipArchitecture benchArchitecture(const std::string& backbone, const std::string& where);

}  // namespace pd
