import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { preparedMany } from '../common/prepared-query';
import { User } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  /** Inserts a user; returns null when the username (ignoring case) is taken. */
  async insert(user: Pick<User, 'username' | 'displayName' | 'passwordHash'>): Promise<User | null> {
    const rows: User[] = await this.users
      .createQueryBuilder()
      .insert()
      .values({ ...user, usernameKey: user.username.toLowerCase() })
      .orIgnore()
      .returning('*')
      .execute()
      .then((r) => r.generatedMaps as User[]);
    if (!rows.length || !rows[0].id) return null;
    return this.findById(rows[0].id);
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByIds(ids: string[], manager?: EntityManager): Promise<User[]> {
    if (!ids.length) return Promise.resolve([]);
    const on = manager ?? this.users.manager;
    // `= ANY($1)`, one text for any number of ids: a prepared statement (findBy's IN list is a text per count).
    const qb = on.getRepository(User).createQueryBuilder('u').where('u.id = ANY(:ids)', { ids });
    return preparedMany(on, qb);
  }

  findByUsernames(usernames: string[]): Promise<User[]> {
    const keys = usernames.map((u) => u.toLowerCase());
    return keys.length ? this.users.findBy({ usernameKey: In(keys) }) : Promise.resolve([]);
  }

  findWithPasswordByUsername(username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.usernameKey = :key', { key: username.toLowerCase() })
      .getOne();
  }

  /** Prefix search on the C-collated key: served by the unique b-tree as a range scan. */
  searchByPrefix(prefix: string, limit: number): Promise<User[]> {
    const escaped = prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
    return this.users
      .createQueryBuilder('u')
      .where(`u.usernameKey LIKE :pattern`, { pattern: `${escaped}%` })
      .orderBy('u.usernameKey', 'ASC')
      .limit(limit)
      .getMany();
  }

  async updateProfile(id: string, patch: Partial<Pick<User, 'displayName' | 'about'>>): Promise<void> {
    if (Object.keys(patch).length) await this.users.update({ id }, patch);
  }
}
