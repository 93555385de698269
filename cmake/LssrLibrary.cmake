# lssr_library(<target> [TORCH] DEPENDS <targets...>)
# One static library per source folder: every .cpp of the calling folder, the
# project root on the include path (headers are included as "folder/file.hpp"),
# and the dependencies named, nothing else. tests/layout checks that a folder
# includes only the folders of the libraries it links.
function(lssr_library target)
  cmake_parse_arguments(ARG "TORCH" "" "DEPENDS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC ${ARG_DEPENDS})
  if(ARG_TORCH)
    # Torch headers are third-party: keep -Wall -Wextra quiet about them.
    target_include_directories(${target} SYSTEM PUBLIC ${TORCH_INCLUDE_DIRS})
    target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
    target_compile_options(${target} PUBLIC ${TORCH_CXX_FLAGS})
    # torch/torch.h costs ~15 s per translation unit: parse it once for all
    # LibTorch targets (the first one builds the header, the others reuse it).
    if(NOT TARGET lssr_torch_pch)
      add_library(lssr_torch_pch STATIC ${PROJECT_SOURCE_DIR}/libsr/pch.cpp)
      target_include_directories(lssr_torch_pch SYSTEM PUBLIC ${TORCH_INCLUDE_DIRS})
      target_compile_options(lssr_torch_pch PUBLIC ${TORCH_CXX_FLAGS})
      # The header is only reused under the same definitions: LibTorch's (gflags)
      # and fmt's, which every LibTorch target gets from its dependencies.
      target_link_libraries(lssr_torch_pch PRIVATE ${TORCH_LIBRARIES} fmt::fmt)
      target_precompile_headers(lssr_torch_pch PRIVATE ${PROJECT_SOURCE_DIR}/libsr/pch.hpp)
    endif()
    target_precompile_headers(${target} REUSE_FROM lssr_torch_pch)
  endif()
endfunction()
