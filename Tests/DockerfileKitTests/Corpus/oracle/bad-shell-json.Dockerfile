SHELL [false]
