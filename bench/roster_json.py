"""placeholder"""


def run(*, best_of):
    return []
