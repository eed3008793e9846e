#pragma once
// Text cleaning of CLIP's simple_tokenizer.py (basic_clean without ftfy, whitespace_clean, lower)
// and the UTF-8 helpers it needs. Internal to the core.
#include <string>
#include <string_view>
#include <unordered_map>

namespace pd::tok {

// Valid UTF-8 copy of `bytes`: each maximal invalid subsequence becomes U+FFFD, as Python's
// bytes.decode("utf-8", errors="replace"). Returns the number of replacements in `*replaced`.
std::string sanitizeUtf8(std::string_view bytes, int* replaced = nullptr);

// Code points of valid UTF-8 (call sanitizeUtf8 first).
std::u32string utf8ToUtf32(std::string_view utf8);
std::string utf32ToUtf8(std::u32string_view text);
void appendUtf8(std::string& out, char32_t cp);

// Python's html.unescape (numeric references with the HTML5 replacement rules; named references,
// with the longest-prefix rule for the legacy names written without ';').
std::u32string htmlUnescape(const std::u32string& text);

// Python's str.isspace() and str.lower() for one string (full lower-casing: U+0130, final sigma).
bool isPySpace(char32_t cp);
std::u32string pyLower(const std::u32string& text);

// whitespace_clean(basic_clean(text)).lower() of the reference, without ftfy. Input: any bytes.
std::string clipClean(std::string_view text);

// Named character references: name (with or without ';') -> replacement.
const std::unordered_map<std::string, std::u32string>& htmlEntities();

}  // namespace pd::tok
