# Warnings for our own targets: promptdesk_warnings(<target>)
function(promptdesk_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()
