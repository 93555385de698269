target_link_libraries(${tool} PRIVATE lssr_sr_train)
