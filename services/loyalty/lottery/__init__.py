"""Lottery draws (抽奖): draw campaigns with prizes, probabilities and daily quotas, the
chances members earn by purchases, and the draws that spend them."""
