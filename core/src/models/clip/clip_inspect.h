#pragma once
// The CLIP architecture of a loaded checkpoint: inferred from shapes, overridden by its
// config.json, shape-checked (pd::Error naming the keys), with format, hash and parameter count.
#include <string>

#include "io/checkpoint.h"
#include "promptdesk/clip.h"

namespace pd::models {
ClipArchitecture inspectClipCheckpoint(const io::LoadedCheckpoint& ck, const std::string& source);
}  // namespace pd::models
