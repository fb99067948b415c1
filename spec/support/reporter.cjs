// mocha's spec reporter, plus the plain closing line CI reads: "N passed, N failed, N skipped".
const Spec = require('mocha/lib/reporters/spec');

class SpecWithTotals extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const { passes, failures, pending } = runner.stats;
      console.log(`mocha: ${passes} passed, ${failures} failed, ${pending} skipped`);
    });
  }
}

module.exports = SpecWithTotals;
