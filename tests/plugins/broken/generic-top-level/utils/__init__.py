def header_value():
    return "generic-top-level"
