# Models of the academy app arrive with its issue; see DESIGN.md.
