# cmake -P test of versus_check_gloo_headers (src/backends/torch/gloo_headers.cmake): the torch
# worker gets c10d Gloo only from the exact headers its wheel was built with.
#   -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch folder>
include("${SOURCE_DIR}/src/backends/torch/gloo_headers.cmake")
file(STRINGS "${SOURCE_DIR}/src/backends/torch/gloo_headers.sha256" record REGEX "^torch ")
string(REPLACE "torch " "" recorded "${record}")

function(expect_refused torch_version gloo_dir needle)
  set(pkg "${WORK_DIR}/torch-${torch_version}")
  file(WRITE "${pkg}/version.py" "__version__ = '${torch_version}+cu132'\n")
  versus_check_gloo_headers("${pkg}" "${gloo_dir}" ok reason)
  if(ok)
    message(FATAL_ERROR "accepted ${gloo_dir} for torch ${torch_version}")
  endif()
  string(FIND "${reason}" "${needle}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "reason for torch ${torch_version}, '${gloo_dir}' does not say '${needle}': ${reason}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
# No folder given: says which variable to set.
expect_refused("${recorded}" "" "set VERSUS_GLOO_INCLUDE_DIR")
# A folder that is not a Gloo checkout.
file(MAKE_DIRECTORY "${WORK_DIR}/empty")
expect_refused("${recorded}" "${WORK_DIR}/empty" "is missing")
# Headers of another revision that would compile (every file present, one changed by a byte).
file(STRINGS "${SOURCE_DIR}/src/backends/torch/gloo_headers.sha256" files REGEX "^[0-9a-f]+  ")
foreach(line IN LISTS files)
  string(REGEX REPLACE "^[0-9a-f]+  " "" path "${line}")
  file(WRITE "${WORK_DIR}/other/${path}" "#pragma once\n")
endforeach()
expect_refused("${recorded}" "${WORK_DIR}/other" "not that revision's")
# Debian's libgloo-dev (2022), where installed: refused, not trusted because it compiles.
if(EXISTS "/usr/include/gloo/algorithm.h")
  expect_refused("${recorded}" "/usr/include" "not that revision's")
endif()
# Another torch version: no record for it.
expect_refused("0.0.1" "${WORK_DIR}/other" "records them for torch ${recorded} only")
message(STATUS "gloo header check: all refusals as expected")
