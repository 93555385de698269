target_link_libraries(${tool} PRIVATE lssr_io_pairing)
