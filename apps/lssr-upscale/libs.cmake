target_link_libraries(${tool} PRIVATE lssr_sr_lssr lssr_eval)
# Where the default model is looked for when none is named (after $LSSR_DATA_DIR).
target_compile_definitions(${tool} PRIVATE LSSR_SOURCE_DATA_DIR="${PROJECT_SOURCE_DIR}/data"
                           LSSR_INSTALLED_DATA_DIR="${CMAKE_INSTALL_FULL_DATADIR}/lssr")
