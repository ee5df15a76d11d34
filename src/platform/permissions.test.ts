import { describe, expect, it } from 'vitest';
import { MODULES } from '../modules/index.js';
import { PermissionCatalogue, undeclaredUses } from './permissions.js';

describe('the permission catalogue is built from the modules', () => {
  const catalogue = new PermissionCatalogue(MODULES);

  it('holds every permission the areas declare, labelled, in the order of MODULES', () => {
    expect(catalogue.all).toEqual(['user.admin', 'person.read', 'dv.read', 'approval', 'mynumber.read', 'mynumber.write', 'eligibility.update', 'certificate.issue', 'registry.intake', 'assessment.calc', 'assessment.read', 'assessment.run', 'income.read', 'income.declare', 'income.import', 'reduction.record', 'audit']);
    expect(catalogue.label('person.read')).toBe('宛名・資格照会');
    expect(catalogue.areaOf('mynumber.write')).toBe('mynumber');
    expect(catalogue.isReadOnly('person.read')).toBe(true);
    expect(catalogue.isReadOnly('eligibility.update')).toBe(false);
  });

  it('areas still to come declare nothing yet', () => {
    for (const code of ['collection', 'delinquency', 'benefit', 'exchange.file']) expect(catalogue.isPermission(code), code).toBe(false);
  });

  it('a stored code no module declares grants nothing', () => {
    expect([...catalogue.known(['person.read', 'exchange.file', 'audit'])]).toEqual(['person.read', 'audit']);
  });

  it('refuses two modules declaring the same permission, naming both', () => {
    const twice = () => new PermissionCatalogue([...MODULES, { name: 'copy', permissions: { 'person.read': { label: '宛名照会' } } }]);
    expect(twice).toThrow(/権限 person\.read が2つのモジュール\(person, copy\)で宣言されています/);
  });

  it('refuses a code that is not lower-case dotted words', () => {
    expect(() => new PermissionCatalogue([{ name: 'x', permissions: { 'Person Read': { label: '照会' } } }])).toThrow(/モジュール x の権限コード「Person Read」/);
  });

  it('finds the uses naming an undeclared permission', () => {
    const uses = [
      { where: 'ルート GET /api/persons', permission: 'person.read' },
      { where: 'ルート GET /api/levies', permission: 'collection' },
    ];
    expect(undeclaredUses(catalogue, uses)).toEqual([{ where: 'ルート GET /api/levies', permission: 'collection' }]);
  });
});
